import { defineProblems } from '@ringfence/problems';

/** What the admin-identity feature answers: admins, TOTP, step-up, passwords (docs/adr/0004-admin-identity.md). */
export const AdminIdentityProblems = defineProblems({
  ADMIN_EXISTS: { status: 409, detail: 'An admin with this email already exists.' },
  LAST_OWNER: { status: 409, detail: 'The last active owner cannot be demoted or disabled.' },
  TOTP_ALREADY_ENROLLED: { status: 409, detail: 'TOTP is already enrolled for this admin.' },
  TOTP_NOT_STARTED: { status: 409, detail: 'Start an enrolment first.' },
  /** A wrong TOTP or recovery code, at step-up and at enrolment alike (docs/adr/0013-problem-catalogue.md). */
  SECOND_FACTOR_REJECTED: { status: 403, detail: 'The code is not valid.' },
  CURRENT_PASSWORD_REJECTED: { status: 403, detail: 'The current password is not right.' },
  /** One answer for every reason a reset fails, so it tells nothing about the account. */
  RESET_REJECTED: { status: 400, detail: 'The reset link is invalid, used or expired, or the second factor is wrong.' },
});
