from django import forms


class LoginForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="密码", widget=forms.PasswordInput)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="原密码", widget=forms.PasswordInput)
    new_password = forms.CharField(label="新密码", widget=forms.PasswordInput, help_text="至少 10 位，不能全是数字")
    new_password2 = forms.CharField(label="再次输入新密码", widget=forms.PasswordInput)


class TokenForm(forms.Form):
    name = forms.CharField(label="用途", max_length=60, required=False)
