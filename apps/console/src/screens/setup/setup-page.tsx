import { useState, type FormEvent } from 'react';
import { Navigate, useNavigate } from 'react-router';
import { api, unwrap } from '../../api/client';
import type { components } from '../../api/ringfence-api';
import { session } from '../../session/session';
import { useMe } from '../../session/use-session';
import { Field } from '../../ui/field';
import { ProblemAlert } from '../../ui/problem-alert';
import { ShownOnce } from '../../ui/shown-once';
import { PasswordStrength } from '../sign-in/password-strength';

type Enrolment = components['schemas']['TotpEnrolment'];

/**
 * A first login: enrol TOTP (QR code and secret, confirmed with a code; the recovery codes are
 * shown once), then replace the one-time password. Each step that finishes the setup returns
 * a full session, its refresh token in the cookie.
 */
export function SetupPage() {
  const me = useMe();
  const navigate = useNavigate();
  const [codes, setCodes] = useState<string[]>();
  const needsTotp = me.setupRequired.includes('totp_enrolment');
  const needsPassword = me.setupRequired.includes('password_change');

  const finishIfDone = async (): Promise<void> => {
    if (session.current.status === 'signed-in' && session.current.me.stage === 'full') await navigate('/', { replace: true });
  };

  if (me.stage === 'full' && !codes) return <Navigate to="/" replace />;
  return (
    <main id="main" className="narrow">
      <h1>Set up your account</h1>
      <ol className="steps">
        <li aria-current={needsTotp || codes ? 'step' : undefined}>Two-factor authentication</li>
        <li aria-current={!needsTotp && !codes && needsPassword ? 'step' : undefined}>Your own password</li>
      </ol>
      {codes ? (
        <section>
          <h2>Your recovery codes</h2>
          <p>Each code signs you in once if you lose your authenticator. Keep them somewhere safe, away from this computer.</p>
          <ShownOnce label="Recovery codes" value={codes.join('\n')} downloadName="ringfence-recovery-codes.txt" />
          <div className="actions">
            <button
              type="button"
              className="primary"
              onClick={() => {
                setCodes(undefined);
              }}
            >
              I have saved my recovery codes
            </button>
          </div>
        </section>
      ) : needsTotp ? (
        <TotpEnrolmentStep onCodes={setCodes} />
      ) : needsPassword ? (
        <PasswordStep onDone={finishIfDone} />
      ) : null}
    </main>
  );
}

function TotpEnrolmentStep({ onCodes }: { onCodes: (codes: string[]) => void }) {
  const [enrolment, setEnrolment] = useState<Enrolment>();
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const start = async (): Promise<void> => {
    setError(undefined);
    try {
      setEnrolment(await unwrap(await api.POST('/v1/auth/totp/enroll')));
    } catch (failure) {
      setError(failure);
    }
  };

  const confirm = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const answer = await unwrap(await api.POST('/v1/auth/totp/confirm', { body: { code: code.trim(), refreshTokenDelivery: 'cookie' } }));
      setEnrolment(undefined);
      onCodes(answer.recoveryCodes);
      if (answer.session) await session.accept(answer.session);
      else await session.reload();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  if (!enrolment) {
    return (
      <section>
        <h2>Two-factor authentication</h2>
        <p>Every Ringfence admin signs in with a code from an authenticator app (TOTP) as well as a password.</p>
        <ProblemAlert error={error} />
        <button type="button" className="primary" onClick={() => void start()}>
          Start enrolment
        </button>
      </section>
    );
  }
  return (
    <section>
      <h2>Scan this code with your authenticator app</h2>
      <img src={enrolment.qrCodeDataUrl} alt="QR code of your TOTP secret" width={200} height={200} className="qr" />
      <p>Or enter this secret by hand:</p>
      <pre className="secret" data-testid="totp-secret">
        {enrolment.secret}
      </pre>
      <form onSubmit={(event) => void confirm(event)}>
        <Field
          label="Code from the app"
          value={code}
          onChange={setCode}
          autoComplete="one-time-code"
          inputMode="numeric"
          pattern="[0-9]{6}"
          required
        />
        <ProblemAlert error={error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Confirm
          </button>
        </div>
      </form>
    </section>
  );
}

function PasswordStep({ onDone }: { onDone: () => Promise<void> }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const answer = await unwrap(
        await api.POST('/v1/auth/password/change', {
          body: { currentPassword: current, newPassword: next, refreshTokenDelivery: 'cookie' },
        }),
      );
      if (answer.session) await session.accept(answer.session);
      else await session.reload();
      await onDone();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section>
      <h2>Choose your own password</h2>
      <p>The password you were given works once. Replace it with one only you know.</p>
      <form onSubmit={(event) => void submit(event)}>
        <Field label="One-time password" type="password" value={current} onChange={setCurrent} autoComplete="current-password" required />
        <Field label="New password" type="password" value={next} onChange={setNext} autoComplete="new-password" required />
        <PasswordStrength password={next} />
        <ProblemAlert error={error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Set my password
          </button>
        </div>
      </form>
    </section>
  );
}
