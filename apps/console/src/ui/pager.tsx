import { useState } from 'react';

/**
 * Keyset paging as the API pages (`cursor` → `nextCursor`): the cursors walked so far, so the
 * admin can go back as well as on.
 */
export function usePager(): {
  cursor: string | undefined;
  next: (cursor: string) => void;
  previous: () => void;
  reset: () => void;
  page: number;
} {
  const [stack, setStack] = useState<string[]>([]);
  return {
    cursor: stack[stack.length - 1],
    page: stack.length + 1,
    next: (cursor) => setStack((current) => [...current, cursor]),
    previous: () => setStack((current) => current.slice(0, -1)),
    reset: () => setStack([]),
  };
}

export function Pager({ pager, nextCursor }: { pager: ReturnType<typeof usePager>; nextCursor: string | null | undefined }) {
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" onClick={pager.previous} disabled={pager.page === 1}>
        Previous
      </button>
      <span>Page {pager.page}</span>
      <button type="button" onClick={() => nextCursor && pager.next(nextCursor)} disabled={!nextCursor}>
        Next
      </button>
    </nav>
  );
}
