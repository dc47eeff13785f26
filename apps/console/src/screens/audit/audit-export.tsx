import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { ProblemAlert } from '../../ui/problem-alert';
import type { AuditFilter } from './audit-filter';

type Format = 'ndjson' | 'csv';

/**
 * Every event matching the applied filter (not only the page on screen), as NDJSON or CSV
 * (GET /v1/audit/events/export). Fetched with the session's bearer through the API client, then
 * handed to the browser as a download of a Blob: the access token never goes in a URL.
 */
export function AuditExport({ filter }: { filter: AuditFilter }) {
  const [busy, setBusy] = useState<Format>();
  const [done, setDone] = useState<string>();
  const [error, setError] = useState<unknown>();

  const exportAs = async (format: Format): Promise<void> => {
    setBusy(format);
    setDone(undefined);
    setError(undefined);
    try {
      const { limit: _limit, ...matching } = filter;
      const blob = await unwrap(await api.GET('/v1/audit/events/export', { params: { query: { ...matching, format } }, parseAs: 'blob' }));
      const name = `audit-events-${new Date()
        .toISOString()
        .replace(/\.\d+Z$/, 'Z')
        .replace(/:/g, '-')}.${format}`;
      download(blob, name);
      setDone(`Downloaded ${name} (${formatSize(blob.size)}).`);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <>
      <div className="actions">
        <button type="button" onClick={() => void exportAs('ndjson')} disabled={busy !== undefined}>
          Export NDJSON
        </button>
        <button type="button" onClick={() => void exportAs('csv')} disabled={busy !== undefined}>
          Export CSV
        </button>
        <span role="status" className="muted small">
          {busy ? `Exporting as ${busy.toUpperCase()}…` : (done ?? 'Exports every event matching the applied filters, not only this page.')}
        </span>
      </div>
      <ProblemAlert error={error} />
    </>
  );
}

function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
