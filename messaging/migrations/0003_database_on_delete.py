from django.db import migrations

from orca.db import database_on_delete


class Migration(migrations.Migration):
    dependencies = [("messaging", "0002_message_messages_created_idx")]

    operations = [
        database_on_delete("messages", "recipient_id", "persons", "CASCADE"),
        database_on_delete("messages", "sender_id", "users", "SET NULL"),
        database_on_delete("messages", "blast_id", "blasts", "SET NULL"),
        database_on_delete("messages", "template_id", "message_templates", "SET NULL"),
        database_on_delete("messages", "response_id", "interactions", "SET NULL"),
        database_on_delete("message_templates", "created_by_id", "users", "SET NULL"),
        database_on_delete("blasts", "created_by_id", "users", "SET NULL"),
    ]
