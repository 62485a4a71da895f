"""The admin's accounts page: the same lifecycle as `sohoa user …` (disable, enable, unlock, revoke
API tokens, a new password), limited to the admin's own office unless the admin is province-wide, and
audited. Every change that matters ends the account's sessions and tokens (the repository does that)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from schemas.accounts import AuditAction, User
from web.security import hash_password, weak_password
from web.service import Desk, NotFound, Refused


class AccountChange(StrEnum):
    DISABLE = "disable"
    ENABLE = "enable"
    UNLOCK = "unlock"
    REVOKE_TOKENS = "revoke_tokens"
    PASSWORD = "password"


@dataclass(frozen=True)
class ManagedAccount:
    """An account as the page lists it."""

    user: User
    live_tokens: int


def managed_accounts(desk: Desk) -> list[ManagedAccount]:
    accounts = desk.catalog.accounts
    return [ManagedAccount(user, sum(1 for *_, revoked in accounts.find_tokens(user.username) if revoked is None))
            for user in accounts.find_users() if _manages(desk.user, user)]


def change_account(desk: Desk, username: str, change: AccountChange, password: str = "") -> str:
    """Apply `change` to an account this admin manages; returns the sentence that confirms it."""
    accounts = desk.catalog.accounts
    user = accounts.get_user(username)
    if user is None or not _manages(desk.user, user):
        raise NotFound("no such account here")
    if user.username == desk.user.username and change is AccountChange.DISABLE:
        raise Refused("Không thể tự khóa tài khoản đang dùng. Nhờ một quản trị khác nếu cần.")
    if change is AccountChange.DISABLE:
        accounts.record_user(user.model_copy(update={"active": False}))
        done = f"Đã khóa tài khoản {username}: các phiên đăng nhập và mã API của tài khoản đã kết thúc."
    elif change is AccountChange.ENABLE:
        accounts.record_user(user.model_copy(update={"active": True}))
        done = f"Đã mở lại tài khoản {username}; người dùng đăng nhập lại, mã API cũ vẫn bị thu hồi."
    elif change is AccountChange.UNLOCK:
        done = f"Đã mở khóa đăng nhập của {username} ({accounts.clear_login_failures(username)} máy)."
    elif change is AccountChange.REVOKE_TOKENS:
        done = f"Đã thu hồi {accounts.revoke_tokens(username)} mã API của {username}."
    else:
        reason = weak_password(password, username)
        if reason:
            raise Refused(reason)
        accounts.record_user(user, hash_password(password))
        done = f"Đã đặt mật khẩu mới cho {username}; các phiên đăng nhập cũ đã kết thúc."
    desk.audit(AuditAction.ACCOUNT, account=username, change=change.value)
    return done


def _manages(admin: User, user: User) -> bool:
    return admin.province_wide or (admin.office_code is not None and admin.office_code == user.office_code)
