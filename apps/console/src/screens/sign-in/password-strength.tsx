import { useEffect, useState } from 'react';

interface Strength {
  score: 0 | 1 | 2 | 3 | 4;
  warning: string | null;
  suggestions: string[];
}

type Checker = (password: string) => Strength;

/** zxcvbn-ts with the API's dictionary (the common one) and English feedback, loaded when a password form first shows (not on the sign-in screen). */
let checker: Promise<Checker> | undefined;
function loadChecker(): Promise<Checker> {
  checker ??= Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common'), import('@zxcvbn-ts/language-en')]).then(
    ([core, common, english]) => {
      const zxcvbn = new core.ZxcvbnFactory({
        dictionary: { ...common.dictionary },
        graphs: common.adjacencyGraphs,
        translations: english.translations,
      });
      return (password: string) => {
        const result = zxcvbn.check(password, ['ringfence']);
        return { score: result.score, warning: result.feedback.warning, suggestions: result.feedback.suggestions };
      };
    },
  );
  return checker;
}

const LABELS = ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong'] as const;

/**
 * The strength meter under a new password: the same estimator the API applies (zxcvbn-ts,
 * score 3 needed, 12 characters at least), with its feedback. The API decides; this explains.
 */
export function PasswordStrength({ password }: { password: string }) {
  const [strength, setStrength] = useState<Strength>();
  useEffect(() => {
    let current = true;
    if (!password) {
      setStrength(undefined);
      return;
    }
    void loadChecker().then((check) => {
      if (current) setStrength(check(password));
    });
    return () => {
      current = false;
    };
  }, [password]);
  if (!password || !strength) return null;
  const tooShort = [...password].length < 12;
  const accepted = strength.score >= 3 && !tooShort;
  return (
    <div className="strength" aria-live="polite" data-testid="password-strength">
      <meter min={0} max={4} low={2} high={3} optimum={4} value={strength.score} aria-label="Password strength" />
      <span className={accepted ? 'ok' : 'bad'}>
        {LABELS[strength.score]}
        {accepted ? ': accepted' : ': not accepted yet'}
      </span>
      {(tooShort || strength.warning || strength.suggestions.length > 0) && (
        <ul className="small">
          {tooShort && <li>Use at least 12 characters.</li>}
          {strength.warning && <li>{strength.warning}</li>}
          {strength.suggestions.map((suggestion) => (
            <li key={suggestion}>{suggestion}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
