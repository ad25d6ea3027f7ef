"""Roles and what each may do. The one table every permission check reads."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    BUREAU_LEADER = "bureau_leader", "局领导"
    BUREAU_STAFF = "bureau_staff", "科室人员"
    INSPECTOR = "inspector", "督查员/督学"
    DISTRICT_ADMIN = "district_admin", "区县管理员"
    PRINCIPAL = "principal", "校长"
    SCHOOL_STAFF = "school_staff", "学校管理员/德育主任"
    CLASS_TEACHER = "class_teacher", "班主任"
    COUNSELLOR = "counsellor", "心理教师"
    DOCTOR = "doctor", "校医/保健老师"
    # District or city officer for school health and epidemic prevention (体育卫生与艺术教育科 / 卫生专干).
    HEALTH_OFFICER = "health_officer", "卫生健康专干"
    # The bureau's designated officer for confidential case work (心理健康、控辍保学); may break glass.
    CASE_OFFICER = "case_officer", "个案督导专员"
    # A school's gate guard (often an outsourced 保安): registers visitors and sees today's gate list, nothing else.
    GUARD = "guard", "门卫"
    # The bureau's 纪检监察 officer (派驻纪检组): reads and keeps the 党风廉政 records of its subtree, nothing else.
    DISCIPLINE_OFFICER = "discipline_officer", "纪检监察员"
    SYSADMIN = "sysadmin", "系统管理员"
    SECURITY_OFFICER = "security_officer", "安全管理员"
    AUDITOR = "auditor", "审计管理员"


# 三员分立: no account may hold two of these.
ADMIN_TRIAD = frozenset({Role.SYSADMIN, Role.SECURITY_OFFICER, Role.AUDITOR})

# The guard works only at the gate (门卫登记): no directives, no org tree. The discipline officer works only on the
# 党风廉政 records (integrity): it supervises the bureau's cadres, it does not take part in the bureau's work.
WORK_ROLES = frozenset(set(Role) - ADMIN_TRIAD - {Role.GUARD, Role.DISCIPLINE_OFFICER})
SCHOOL_READERS = frozenset(
    {
        Role.BUREAU_LEADER,
        Role.BUREAU_STAFF,
        Role.DISTRICT_ADMIN,
        Role.PRINCIPAL,
        Role.SCHOOL_STAFF,
        Role.CLASS_TEACHER,
        Role.COUNSELLOR,
        Role.DOCTOR,
    }
)

# Those who answer for a unit's work: leaders and office staff, inspectors, district admins, school heads.
UNIT_HEADS = frozenset(
    {Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.INSPECTOR, Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}
)

# "<resource>.<action>" → roles granted it on the subtree of their assignment's unit.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "orgunit.read": WORK_ROLES | {Role.SYSADMIN, Role.SECURITY_OFFICER},
    "orgunit.change": frozenset({Role.SYSADMIN, Role.DISTRICT_ADMIN, Role.SCHOOL_STAFF}),
    "staff.read": frozenset(
        {
            Role.BUREAU_LEADER,
            Role.BUREAU_STAFF,
            Role.DISTRICT_ADMIN,
            Role.PRINCIPAL,
            Role.SCHOOL_STAFF,
            Role.SYSADMIN,
            Role.SECURITY_OFFICER,
        }
    ),
    "staff.change": frozenset({Role.SYSADMIN}),
    "role.read": frozenset({Role.SYSADMIN, Role.SECURITY_OFFICER}),
    "role.assign": frozenset({Role.SYSADMIN}),
    "student.read": SCHOOL_READERS,
    "student.change": frozenset({Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    # Unmasked guardian phones: the people who call parents.
    "student.unmask_phone": frozenset(
        {Role.PRINCIPAL, Role.SCHOOL_STAFF, Role.CLASS_TEACHER, Role.COUNSELLOR, Role.DOCTOR}
    ),
    # Unmasked ID-card numbers: the school's 学籍 administrators only.
    "student.unmask_id": frozenset({Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    "audit.read": frozenset({Role.AUDITOR}),
    # Pushes that failed on 企业微信/钉钉/SMS (messaging): the system administrator and the bureau's or district's
    # administrators list and retry them for the people of their subtree.
    "push.read": frozenset({Role.SYSADMIN, Role.BUREAU_STAFF, Role.DISTRICT_ADMIN}),
    "push.retry": frozenset({Role.SYSADMIN, Role.BUREAU_STAFF, Role.DISTRICT_ADMIN}),
    "audit.read_access": frozenset({Role.AUDITOR, Role.SECURITY_OFFICER}),
    # inspections and rectification
    "framework.read": frozenset(
        {Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.INSPECTOR, Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}
    ),
    "framework.change": frozenset({Role.BUREAU_STAFF, Role.INSPECTOR}),
    "inspection.read": frozenset(
        {Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.INSPECTOR, Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}
    ),
    # Plan rounds, assign teams, publish results.
    "inspection.change": frozenset({Role.BUREAU_STAFF, Role.INSPECTOR, Role.DISTRICT_ADMIN}),
    # Fill checklists: inspectors for their rounds; the school itself only for 自查 rounds (checked in services).
    "inspection.fill": frozenset(
        {Role.BUREAU_STAFF, Role.INSPECTOR, Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}
    ),
    # Everyone at a school sees its ledger (it is posted on the wall anyway); owners are often teachers.
    "rectification.read": SCHOOL_READERS | {Role.INSPECTOR},
    # 四定: the principal (or the school office) names owners, duties and dates.
    "rectification.assign": frozenset({Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    # Progress and close-out requests: the owner (object-level, in services) or the school office.
    "rectification.progress": frozenset(
        {Role.PRINCIPAL, Role.SCHOOL_STAFF, Role.CLASS_TEACHER, Role.COUNSELLOR, Role.DOCTOR}
    ),
    # 销号: someone outside the school checks the evidence.
    "rectification.verify": frozenset({Role.BUREAU_STAFF, Role.INSPECTOR, Role.DISTRICT_ADMIN}),
    # Findings handed over by outside inspections, entered from Excel.
    "rectification.import": frozenset({Role.BUREAU_STAFF, Role.INSPECTOR, Role.DISTRICT_ADMIN}),
    "rectification.post": frozenset({Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    "bulletin.read": frozenset(
        {Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.INSPECTOR, Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}
    ),
    "bulletin.change": frozenset({Role.BUREAU_STAFF, Role.INSPECTOR, Role.DISTRICT_ADMIN}),
    # directives
    "directive.read": WORK_ROLES,
    "directive.change": frozenset({Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.DISTRICT_ADMIN}),
    "directive.acknowledge": frozenset(
        {Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}
    ),
    "form.read": frozenset(
        {Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.INSPECTOR, Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}
    ),
    "form.change": frozenset({Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.DISTRICT_ADMIN}),
    "submission.read": frozenset(
        {Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.INSPECTOR, Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}
    ),
    "submission.change": frozenset({Role.BUREAU_STAFF, Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    "submission.approve": frozenset({Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.DISTRICT_ADMIN, Role.PRINCIPAL}),
    # duty (值班值守), contingency plans, drills, inspection response, leave-the-city approval
    "duty.read": SCHOOL_READERS | {Role.INSPECTOR, Role.HEALTH_OFFICER},
    # Plan and publish rosters; keep the log for any shift of the unit.
    "duty.change": frozenset({Role.BUREAU_STAFF, Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    "plan.read": SCHOOL_READERS | {Role.INSPECTOR, Role.HEALTH_OFFICER},
    "plan.change": frozenset({Role.BUREAU_STAFF, Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    # 迎检响应: the bureau says "inspection coming" to chosen schools.
    "plan.trigger": frozenset({Role.BUREAU_LEADER, Role.BUREAU_STAFF}),
    # Tick off a checklist task: its role's holder at the school, or the school office (checked in services).
    "plan.task": frozenset({Role.PRINCIPAL, Role.SCHOOL_STAFF, Role.CLASS_TEACHER, Role.COUNSELLOR, Role.DOCTOR}),
    "drill.read": SCHOOL_READERS | {Role.INSPECTOR, Role.HEALTH_OFFICER},
    "drill.change": frozenset({Role.BUREAU_STAFF, Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    "leave.read": frozenset(
        {Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}
    ),
    # Heads of units, deputy heads and campaign leads file their own requests.
    "leave.request": frozenset({Role.BUREAU_STAFF, Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    "leave.approve": frozenset({Role.BUREAU_LEADER}),
    # Set the campaign period.
    "leave.campaign": frozenset({Role.BUREAU_LEADER, Role.BUREAU_STAFF}),
    # breakdown (任务分解): those who issue directives turn speeches into task tables
    "breakdown.read": frozenset({Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.DISTRICT_ADMIN}),
    "breakdown.change": frozenset({Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.DISTRICT_ADMIN}),
    # cases (一生一案). Reading a case is object-level on top of these (assigned people, the school's principal,
    # an active break-glass grant): see dudao.cases.selectors.cases_for. No role sees every case.
    "case.read": frozenset({Role.PRINCIPAL, Role.COUNSELLOR, Role.CLASS_TEACHER, Role.CASE_OFFICER}),
    "case.open": frozenset({Role.PRINCIPAL, Role.COUNSELLOR}),
    "case.change": frozenset({Role.PRINCIPAL, Role.COUNSELLOR, Role.CLASS_TEACHER}),
    "case.break_glass": frozenset({Role.PRINCIPAL, Role.CASE_OFFICER}),
    # Counts and anonymised aggregates, never names.
    "case.stats": frozenset(
        {Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.DISTRICT_ADMIN, Role.CASE_OFFICER, Role.PRINCIPAL}
    ),
    "case.access_report": frozenset({Role.SECURITY_OFFICER, Role.CASE_OFFICER, Role.PRINCIPAL}),
    "screening.import": frozenset({Role.PRINCIPAL, Role.COUNSELLOR}),
    "homevisit.read": frozenset({Role.PRINCIPAL, Role.SCHOOL_STAFF, Role.CLASS_TEACHER}),
    "homevisit.change": frozenset({Role.PRINCIPAL, Role.SCHOOL_STAFF, Role.CLASS_TEACHER}),
    "homevisit.stats": frozenset(
        {
            Role.BUREAU_LEADER,
            Role.BUREAU_STAFF,
            Role.DISTRICT_ADMIN,
            Role.CASE_OFFICER,
            Role.PRINCIPAL,
            Role.SCHOOL_STAFF,
        }
    ),
    "staffing.read": frozenset(
        {
            Role.BUREAU_LEADER,
            Role.BUREAU_STAFF,
            Role.DISTRICT_ADMIN,
            Role.CASE_OFFICER,
            Role.PRINCIPAL,
            Role.SCHOOL_STAFF,
        }
    ),
    "staffing.change": frozenset({Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    # notices (告知书 / 回执): everyone who follows 知晓率 reads; issuers write and send; the people who call
    # parents (class teacher, school office) see phone numbers of non-readers and record phone confirmations.
    "notice.read": frozenset(
        {
            Role.BUREAU_LEADER,
            Role.BUREAU_STAFF,
            Role.DISTRICT_ADMIN,
            Role.PRINCIPAL,
            Role.SCHOOL_STAFF,
            Role.CLASS_TEACHER,
        }
    ),
    "notice.change": frozenset({Role.BUREAU_STAFF, Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    "notice.confirm": frozenset({Role.PRINCIPAL, Role.SCHOOL_STAFF, Role.CLASS_TEACHER}),
    # health (晨午检): dashboards and alerts for the school and everyone above it; names of ill students only for
    # the school's own people and the health officer (higher levels see aggregates).
    "health.read": frozenset(
        {
            Role.BUREAU_LEADER,
            Role.BUREAU_STAFF,
            Role.DISTRICT_ADMIN,
            Role.HEALTH_OFFICER,
            Role.PRINCIPAL,
            Role.SCHOOL_STAFF,
            Role.CLASS_TEACHER,
            Role.DOCTOR,
        }
    ),
    "health.cases": frozenset(
        {Role.HEALTH_OFFICER, Role.PRINCIPAL, Role.SCHOOL_STAFF, Role.CLASS_TEACHER, Role.DOCTOR}
    ),
    # The class teacher checks the class; the school doctor may check any class of the school in their stead.
    "health.check": frozenset({Role.CLASS_TEACHER, Role.DOCTOR}),
    # 追因 and 复课: the school doctor (校医/保健老师), the school's epidemic reporter.
    "health.followup": frozenset({Role.DOCTOR}),
    # Working an alert to its end: acknowledge, report to the CDC, measures, close.
    "health.alert": frozenset({Role.DOCTOR, Role.PRINCIPAL, Role.HEALTH_OFFICER}),
    "health.supplies": frozenset({Role.DOCTOR, Role.SCHOOL_STAFF, Role.PRINCIPAL}),
    # ---- the command layer (指挥调度) ----
    # campaigns (专项工作): leaders and units follow them; the bureau (or a district bureau) runs them.
    "campaign.read": UNIT_HEADS,
    "campaign.change": frozenset({Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.DISTRICT_ADMIN}),
    # cockpit (领导驾驶舱): the home page of leaders and office staff, scoped for district admins and principals.
    "cockpit.read": UNIT_HEADS,
    # 一校一档: the school's own heads and everyone above them; case figures are counts only.
    "profile.read": UNIT_HEADS,
    # briefings (调度通报): written by the office, confirmed read by the heads of the units concerned.
    "briefing.read": UNIT_HEADS,
    "briefing.change": frozenset({Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.DISTRICT_ADMIN}),
    "briefing.confirm": frozenset({Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    # dispatch meetings (调度会) and task forces (工作专班)
    "meeting.read": UNIT_HEADS,
    "meeting.change": frozenset({Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.DISTRICT_ADMIN}),
    # Report progress on a decision assigned to one's unit.
    "meeting.task": frozenset({Role.BUREAU_STAFF, Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    # ---- supervision (督办与问责) ----
    # 督办单: leaders, offices and inspectors issue them down the tree, close them or send them back; the receiving
    # district bureau or school signs and answers. Everyone who answers for a unit's work reads those in scope.
    "supervision.read": UNIT_HEADS,
    "supervision.issue": frozenset({Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.INSPECTOR, Role.DISTRICT_ADMIN}),
    "supervision.respond": frozenset({Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    # 问责 and 通报表扬 records: read by the subject unit and upward (a person's record only by the head of the
    # person's unit and upward); recorded by leaders and offices of a bureau or district bureau.
    "accountability.read": UNIT_HEADS,
    "accountability.change": frozenset({Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.DISTRICT_ADMIN}),
    # ---- appraisal (考评) ----
    # Schemes and results: read by the heads of the units appraised and everyone above them (units see the rules,
    # their own scores and, once published, the ranking where the bureau publishes it).
    "appraisal.read": UNIT_HEADS,
    # Define schemes, compute, freeze and publish results: the bureau's office staff and leaders, district admins
    # for their schools.
    "appraisal.change": frozenset({Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.DISTRICT_ADMIN}),
    # Assessors: manual scores and veto flags with evidence, deductions, decisions on objections.
    "appraisal.assess": frozenset({Role.BUREAU_STAFF, Role.INSPECTOR, Role.DISTRICT_ADMIN}),
    # 申诉: a unit's head or office files an objection to its own result.
    "appraisal.object": frozenset({Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    # 目标管理责任书: issued by the bureau (district bureau for its schools), signed by the unit head.
    "target.read": UNIT_HEADS,
    "target.change": frozenset({Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.DISTRICT_ADMIN}),
    "target.sign": frozenset({Role.DISTRICT_ADMIN, Role.PRINCIPAL}),
    # 教师档案 (teachers): read by the heads of the units above a person (a person always reads their own), kept by the
    # school's office and the district's personnel staff; the full ID number for the school's 人事 only; 调动 by
    # district admins (between their schools) and the bureau's office staff (人事科, between districts).
    "teacher.read": frozenset(
        {Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}
    ),
    "teacher.change": frozenset({Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    "teacher.unmask_id": frozenset({Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    "teacher.transfer": frozenset({Role.DISTRICT_ADMIN, Role.BUREAU_STAFF}),
    # 校车 (buses): the school's principal and office keep vehicles, drivers and routes and do pre-trip checks (so may
    # the route's riding teacher, object-level); districts and the bureau read their subtree.
    "bus.read": UNIT_HEADS,
    "bus.change": frozenset({Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    "bus.check": frozenset({Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    # gate (门卫登记, issue 20): visitors' personal data for the school's principal, office and doctor and the
    # district/city health officer (contact tracing); the guard only registers and sees today's list of the school.
    "visitor.read": frozenset({Role.PRINCIPAL, Role.SCHOOL_STAFF, Role.DOCTOR, Role.HEALTH_OFFICER}),
    "visitor.register": frozenset({Role.GUARD, Role.PRINCIPAL, Role.SCHOOL_STAFF, Role.DOCTOR}),
    "visitor.trace": frozenset({Role.PRINCIPAL, Role.SCHOOL_STAFF, Role.DOCTOR, Role.HEALTH_OFFICER}),
    "visitor.unmask": frozenset({Role.PRINCIPAL, Role.DOCTOR, Role.HEALTH_OFFICER}),
    # ---- complaints (投诉与建议): the bureau's office (科室人员) takes, routes and accepts items and alone reads the
    # complainant's identity; the responsible unit (school, district bureau, office) replies; unit heads read.
    "complaint.read": UNIT_HEADS,
    "complaint.handle": frozenset({Role.BUREAU_STAFF}),
    "complaint.identity": frozenset({Role.BUREAU_STAFF}),
    "complaint.reply": frozenset({Role.BUREAU_STAFF, Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    # ---- risks (双重预防: risk register and hazard checks) ----
    # Schools manage their risk points (bureau and district staff only their own premises, enforced in the
    # service); units above read their subtree; anyone with a work role records the checks assigned to them.
    "risk.read": UNIT_HEADS,
    "risk.change": frozenset({Role.BUREAU_STAFF, Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    "risk.check": WORK_ROLES - {Role.CASE_OFFICER},
    # ---- school calendar (校历) ----
    # Everyone at work reads the calendar of units in scope; the bureau's offices publish the year (terms, holidays,
    # 调休); districts and schools add their own days (sports day, staged opening, 停课) for their subtree.
    "calendar.read": WORK_ROLES,
    "calendar.publish": frozenset({Role.BUREAU_LEADER, Role.BUREAU_STAFF}),
    "calendar.local": frozenset({Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    # canteens (食堂与食品安全): the school's principal, office and doctor keep the records; district admins, health
    # officers and the bureau's leaders and office staff read their subtree.
    "canteen.read": frozenset(
        {
            Role.BUREAU_LEADER,
            Role.BUREAU_STAFF,
            Role.DISTRICT_ADMIN,
            Role.HEALTH_OFFICER,
            Role.PRINCIPAL,
            Role.SCHOOL_STAFF,
            Role.DOCTOR,
        }
    ),
    "canteen.change": frozenset({Role.PRINCIPAL, Role.SCHOOL_STAFF, Role.DOCTOR}),
    # 免疫接种与学校卫生 (schoolhealth): the school's doctor, principal and staff, the health officer and bureau leaders
    # read their subtree, class teachers their class; doctors (and class teachers) record doses and exams.
    "schoolhealth.read": frozenset(
        {
            Role.BUREAU_LEADER,
            Role.HEALTH_OFFICER,
            Role.PRINCIPAL,
            Role.SCHOOL_STAFF,
            Role.CLASS_TEACHER,
            Role.DOCTOR,
        }
    ),
    "schoolhealth.record": frozenset({Role.DOCTOR, Role.CLASS_TEACHER}),
    "schoolhealth.room": frozenset({Role.DOCTOR, Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    "schoolhealth.target": frozenset({Role.BUREAU_LEADER, Role.HEALTH_OFFICER}),
    # 继续教育 (training): unit heads read the events and the hours of their subtree; the bureau's office, district
    # admins and the school's principal and office organise events (enrol, show the sign-in QR, import attendance).
    # Signing in by QR and reading one's own hours need only a login.
    "training.read": UNIT_HEADS,
    "training.organise": frozenset({Role.BUREAU_STAFF, Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    # 风险标签 (orgs.tags) and 气象预警 (warnings): the bureau's and districts' offices tag schools in their subtree;
    # a clerk (office staff, district admin, health officer) enters a warning and dispatches it once.
    "unittag.read": frozenset(
        {
            Role.BUREAU_LEADER,
            Role.BUREAU_STAFF,
            Role.INSPECTOR,
            Role.DISTRICT_ADMIN,
            Role.HEALTH_OFFICER,
            Role.PRINCIPAL,
            Role.SCHOOL_STAFF,
        }
    ),
    "unittag.change": frozenset({Role.BUREAU_STAFF, Role.DISTRICT_ADMIN}),
    "warning.read": frozenset({Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.DISTRICT_ADMIN, Role.HEALTH_OFFICER}),
    "warning.change": frozenset({Role.BUREAU_STAFF, Role.DISTRICT_ADMIN, Role.HEALTH_OFFICER}),
    # ---- partners (部门协同): the bureau's office and district admins keep partner departments, send them tasks
    # through signed links and run joint campaigns; leaders read; principals and school offices read the tasks
    # about their own school.
    "partner.read": frozenset({Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.DISTRICT_ADMIN}),
    "partner.change": frozenset({Role.BUREAU_STAFF, Role.DISTRICT_ADMIN}),
    "partner.task_read": frozenset(
        {Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}
    ),
    # 师德师风 (ethics): incidents are confidential, read by the school's principal and upward (district admins, the
    # bureau's leaders and office staff), never by other teachers; a teacher always reads their own record
    # (object-level: dudao.ethics.selectors.incidents_for). The school registers and investigates; the district or
    # the bureau decides (认定), imposes the measure and the one-vote veto. The bureau publishes the yearly 承诺书,
    # everyone at work acknowledges it, and the school's office follows who has not.
    "ethics.read": frozenset({Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.DISTRICT_ADMIN, Role.PRINCIPAL}),
    "ethics.handle": frozenset({Role.BUREAU_STAFF, Role.DISTRICT_ADMIN, Role.PRINCIPAL}),
    "ethics.decide": frozenset({Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.DISTRICT_ADMIN}),
    "ethics.commend": frozenset({Role.BUREAU_STAFF, Role.DISTRICT_ADMIN, Role.PRINCIPAL}),
    "ethics.publish": frozenset({Role.BUREAU_LEADER, Role.BUREAU_STAFF}),
    "ethics.commitments": frozenset(
        {Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}
    ),
    "ethics.acknowledge": WORK_ROLES,
    # integrity (党风廉政, issue 22): the party secretary (局领导 of the unit), the discipline officer (纪检监察员) and
    # the auditor (read-only) see the records of their subtree, each detail read access-logged; everyone else 404.
    # A leader named on a 一岗双责 list reads and acknowledges that one list whatever the role (object-level).
    "integrity.read": frozenset({Role.BUREAU_LEADER, Role.DISCIPLINE_OFFICER, Role.AUDITOR}),
    "integrity.change": frozenset({Role.BUREAU_LEADER, Role.DISCIPLINE_OFFICER}),
    # bullying (学生欺凌防治): any school teacher reports; reading and handling a report is object-level on top of
    # bullying.handle (the school's principal and the people the principal designated: dudao.bullying.selectors
    # .reports_for); districts and the city see counts per school and term only, never names or text.
    "bullying.report": frozenset({Role.PRINCIPAL, Role.SCHOOL_STAFF, Role.CLASS_TEACHER, Role.COUNSELLOR, Role.DOCTOR}),
    "bullying.handle": frozenset({Role.PRINCIPAL, Role.SCHOOL_STAFF, Role.COUNSELLOR}),
    "bullying.designate": frozenset({Role.PRINCIPAL}),
    "bullying.count": frozenset(
        {
            Role.BUREAU_LEADER,
            Role.BUREAU_STAFF,
            Role.INSPECTOR,
            Role.DISTRICT_ADMIN,
            Role.CASE_OFFICER,
            Role.PRINCIPAL,
        }
    ),
    # guards (校园安保/三防): the school's principal and office keep guards and equipment; district and bureau
    # staff (and inspectors) read their subtree's 三防 cards; guards' full ID numbers only for the school itself.
    "guard.read": UNIT_HEADS,
    "guard.change": frozenset({Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    "guard.unmask_id": frozenset({Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    # projects (维修改造项目): schools file their repair projects, district and bureau staff file them for schools of
    # their subtree and accept (验收) finished works; leaders and inspectors read.
    "project.read": UNIT_HEADS,
    "project.change": frozenset({Role.BUREAU_STAFF, Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    "project.accept": frozenset({Role.BUREAU_STAFF, Role.DISTRICT_ADMIN}),
    # returns (返校筛查与停课): rounds, counts, suspensions and arrival times for everyone who follows a school's
    # return; names and answers (the 暂缓返校 list) only for the school's own people and the health officer.
    "returns.read": SCHOOL_READERS | {Role.HEALTH_OFFICER},
    "returns.names": frozenset(
        {Role.PRINCIPAL, Role.SCHOOL_STAFF, Role.CLASS_TEACHER, Role.DOCTOR, Role.HEALTH_OFFICER}
    ),
    "returns.screen": frozenset(
        {Role.DISTRICT_ADMIN, Role.HEALTH_OFFICER, Role.PRINCIPAL, Role.SCHOOL_STAFF, Role.DOCTOR}
    ),
    # The class teacher enters answers for the class and hands out the parents' links; so may the school office.
    "returns.answer": frozenset({Role.CLASS_TEACHER, Role.DOCTOR, Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    # Staff answer for themselves.
    "returns.self": frozenset({Role.PRINCIPAL, Role.SCHOOL_STAFF, Role.CLASS_TEACHER, Role.COUNSELLOR, Role.DOCTOR}),
    # 返校证明: the school doctor, as for illness absences.
    "returns.clear": frozenset({Role.DOCTOR}),
    # 停课 paints the calendar: the roles that add local days (calendar.local).
    "returns.suspend": frozenset({Role.DISTRICT_ADMIN, Role.PRINCIPAL, Role.SCHOOL_STAFF}),
    # 错时错峰 arrival times of the opening plan.
    "returns.plan": frozenset({Role.PRINCIPAL, Role.SCHOOL_STAFF}),
}


def allows(role: str, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    return role in PERMISSIONS[permission]
