"""The CMS's user admin (/cms/users/): deleting an account goes through the same
service as everywhere else, and opening an account's page is journaled."""

from wagtail import hooks
from wagtail.actions import DeleteAction, DeletePermissionError
from wagtail.users.views.bulk_actions import DeleteBulkAction

from core.services import journal_record

from . import services
from .errors import AccountsError
from .models import User


class AccountDeleteAction(DeleteAction):
    def _delete(self):
        try:
            services.account_delete(
                user=self.instance,
                actor=self.user,
                reason=services.DeletionReason.STAFF,
            )
        except AccountsError as error:
            raise DeletePermissionError(error.message) from error


@hooks.register("register_actions")
def register_account_delete_action(registry):
    registry.register(User, AccountDeleteAction)


class AccountDeleteBulkAction(DeleteBulkAction):
    def get_execution_context(self):
        return {**super().get_execution_context(), "actor": self.request.user}

    @classmethod
    def execute_action(cls, objects, model=None, actor=None, **kwargs):
        for user in objects:
            AccountDeleteAction(user, user=actor)._delete()
        return len(objects), 0


# After Wagtail's own bulk delete (order 0), so that this one replaces it.
hooks.register("register_bulk_action", AccountDeleteBulkAction, order=1)


@hooks.register("before_edit_user")
def journal_account_viewed(request, user):
    if request.method == "GET":
        journal_record(
            actor=request.user,
            action="accounts.learner_record_viewed",
            target=user,
            details={"via": "cms"},
        )
