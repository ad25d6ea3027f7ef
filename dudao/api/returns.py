from ninja import Router

router = Router(tags=["返校筛查与停课"])
