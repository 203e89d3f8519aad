import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { SessionSummary } from '../../../src/client/index.ts';
import { groupByDate } from './date-groups.ts';
import { SessionItem } from './session-item.tsx';
import { useToday } from './use-today.ts';

export interface SessionGroupsProps {
  sessions: SessionSummary[];
  openSessionId: string | null;
  /** The open chat streams right now: shown as running before the next poll says so. */
  openSessionRunning: boolean;
  onOpen: (sessionId: string) => void;
  onRename: (sessionId: string, title: string) => Promise<void>;
  onDelete: (session: SessionSummary) => void;
}

/**
 * The chats under date headings (Today, Yesterday, Previous 7 days, …, by their last update in
 * local time), as ONE Tab stop: the arrow keys move between chats (Home and End to the ends),
 * Right and Left between a chat and its Rename and Delete buttons; F2 renames and Delete
 * deletes the chat with focus. Tabbing back in returns to the chat last focused.
 */
export function SessionGroups({
  sessions,
  openSessionId,
  openSessionRunning,
  onOpen,
  onRename,
  onDelete,
}: SessionGroupsProps) {
  const now = useToday();
  const idPrefix = useId();
  const container = useRef<HTMLDivElement>(null);
  const [focusedId, setFocusedId] = useState<string | null>(null);
  const [renamingId, setRenamingId] = useState<string | null>(null);
  const refocusAfterRename = useRef<string | null>(null);
  const hintId = `${idPrefix}-keyboard-hint`;

  const listed = (id: string | null) => sessions.some((session) => session.id === id);
  const tabStopId = listed(focusedId)
    ? focusedId
    : listed(openSessionId)
      ? openSessionId
      : (sessions[0]?.id ?? null);

  useEffect(() => {
    const sessionId = refocusAfterRename.current;
    if (renamingId !== null || sessionId === null) return;
    refocusAfterRename.current = null;
    linkOf(container.current, sessionId)?.focus();
  }, [renamingId]);

  const endRename = async (sessionId: string, title: string | null, keyboard: boolean) => {
    if (keyboard) refocusAfterRename.current = sessionId;
    setRenamingId(null);
    const current = sessions.find((session) => session.id === sessionId)?.title ?? null;
    if (title !== null && title !== current) await onRename(sessionId, title);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const target = event.target as HTMLElement;
    // The rename field keeps its keys (arrows move the caret, Delete deletes text).
    if (target.tagName === 'INPUT' || event.altKey || event.ctrlKey || event.metaKey) return;
    const row = target.closest<HTMLElement>('[data-session-id]');
    const sessionId = row?.dataset.sessionId;
    if (!row || sessionId === undefined) return;
    const links = Array.from(
      container.current?.querySelectorAll<HTMLElement>('.session-link') ?? [],
    );
    const rowControls = Array.from(
      row.querySelectorAll<HTMLElement>('.session-link, .session-actions button'),
    );
    const rowLink = row.querySelector<HTMLElement>('.session-link');
    const linkIndex = rowLink === null ? -1 : links.indexOf(rowLink);
    const controlIndex = rowControls.indexOf(target);
    const moves: Record<string, HTMLElement | undefined> = {
      ArrowDown: links[linkIndex < 0 ? 0 : Math.min(linkIndex + 1, links.length - 1)],
      ArrowUp: links[Math.max(linkIndex - 1, 0)],
      Home: links[0],
      End: links.at(-1),
      ArrowRight: rowControls[Math.min(controlIndex + 1, rowControls.length - 1)],
      ArrowLeft: rowControls[Math.max(controlIndex - 1, 0)],
    };
    if (event.key in moves) {
      event.preventDefault();
      moves[event.key]?.focus();
    } else if (event.key === 'F2') {
      event.preventDefault();
      setRenamingId(sessionId);
    } else if (event.key === 'Delete') {
      const session = sessions.find((candidate) => candidate.id === sessionId);
      if (!session) return;
      event.preventDefault();
      onDelete(session);
    }
  };

  return (
    <div
      ref={container}
      className="session-groups"
      data-testid="session-list"
      onKeyDown={onKeyDown}
      onFocus={(event) => {
        const sessionId = event.target.closest<HTMLElement>('[data-session-id]')?.dataset.sessionId;
        if (sessionId !== undefined) setFocusedId(sessionId);
      }}
    >
      <p id={hintId} className="visually-hidden">
        Arrow keys move between chats; Right arrow reaches Rename and Delete. F2 renames, Delete
        deletes.
      </p>
      {groupByDate(sessions, (session) => session.updated_at, now).map((group, index) => {
        const headingId = `${idPrefix}-group-${index}`;
        return (
          <div key={group.label} className="session-group" data-testid="session-group">
            <h2 id={headingId} className="session-group-heading">
              {group.label}
            </h2>
            <ul className="session-list" aria-labelledby={headingId}>
              {group.items.map((session) => {
                const open = session.id === openSessionId;
                return (
                  <SessionItem
                    key={session.id}
                    session={session}
                    open={open}
                    active={session.active || (open && openSessionRunning)}
                    tabbable={session.id === tabStopId}
                    renaming={session.id === renamingId}
                    keyboardHintId={hintId}
                    onOpen={onOpen}
                    onStartRename={setRenamingId}
                    onEndRename={endRename}
                    onDelete={onDelete}
                  />
                );
              })}
            </ul>
          </div>
        );
      })}
    </div>
  );
}

/** The link of the chat `sessionId` inside `root`, if it is listed there (and not renamed). */
export function linkOf(root: HTMLElement | null, sessionId: string): HTMLElement | null {
  const row = Array.from(root?.querySelectorAll<HTMLElement>('[data-session-id]') ?? []).find(
    (element) => element.dataset.sessionId === sessionId,
  );
  return row?.querySelector<HTMLElement>('.session-link') ?? null;
}
