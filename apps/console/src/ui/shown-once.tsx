import { useState } from 'react';

/**
 * A secret the API shows once (an API key, a one-time password, recovery codes, a TOTP secret):
 * in the page only while this is on screen, never stored, with a copy button and, for
 * several lines, a download made in the browser.
 */
export function ShownOnce({ label, value, downloadName }: { label: string; value: string; downloadName?: string }) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  const download = (): void => {
    const url = URL.createObjectURL(new Blob([`${value}\n`], { type: 'text/plain' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = downloadName ?? 'ringfence.txt';
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return (
    <section className="shown-once" aria-label={label}>
      <p className="warning">
        <strong>Shown once.</strong> Copy it now: Ringfence keeps only a hash and cannot show it again.
      </p>
      <pre className="secret" data-testid="shown-once-value">
        {value}
      </pre>
      <div className="actions">
        <button type="button" onClick={() => void copy()}>
          Copy {label.toLowerCase()}
        </button>
        {downloadName && (
          <button type="button" onClick={download}>
            Download
          </button>
        )}
        <span role="status" className="muted">
          {copied === 'yes' ? 'Copied.' : copied === 'failed' ? 'The browser refused the clipboard: select the text and copy it.' : ''}
        </span>
      </div>
    </section>
  );
}
