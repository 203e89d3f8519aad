import { useEffect, useState, type KeyboardEvent } from 'react';
import { SearchIcon } from '../icons.tsx';

/** Typing pauses this long before the server is asked, so each keystroke is not a request. */
export const searchDelayMs = 250;

/**
 * The search field over the chat list. It reports what to search for once typing pauses (at
 * once on Enter); Escape empties it.
 */
export function SessionSearch({ onSearch }: { onSearch: (text: string) => void }) {
  const [text, setText] = useState('');

  useEffect(() => {
    const timer = setTimeout(() => onSearch(text), searchDelayMs);
    return () => clearTimeout(timer);
  }, [text, onSearch]);

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      onSearch(text);
    } else if (event.key === 'Escape' && text !== '') {
      // Handled here: Escape must not also stop a running answer.
      event.preventDefault();
      event.stopPropagation();
      setText('');
      onSearch('');
    }
  };

  return (
    <div className="session-search" role="search">
      <SearchIcon />
      <input
        type="search"
        data-testid="session-search"
        aria-label="Search chats"
        placeholder="Search chats"
        autoComplete="off"
        spellCheck={false}
        maxLength={200}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
      />
    </div>
  );
}
