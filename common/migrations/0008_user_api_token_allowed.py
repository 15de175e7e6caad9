from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("common", "0007_job_upload_file"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="api_token_allowed",
            field=models.BooleanField(
                default=False,
                help_text="仅对领导账号起作用：勾选后该领导可换取 API 令牌、查看接口文档；其他角色始终可以。",
                verbose_name="允许使用 API 令牌",
            ),
        ),
    ]
