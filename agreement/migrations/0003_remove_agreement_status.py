from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("agreement", "0002_agreement_reported_on")]

    operations = [migrations.RemoveField(model_name="agreement", name="status")]
