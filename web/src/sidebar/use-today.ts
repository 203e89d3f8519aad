import { useEffect, useState } from 'react';
import { startOfDay } from './date-groups.ts';

const checkIntervalMs = 60_000;

/**
 * The current time, as of today: it changes once the local day changes (checked every minute),
 * so date groups move on at midnight without re-rendering the list every minute.
 */
export function useToday(): Date {
  const [now, setNow] = useState(() => new Date());

  useEffect(() => {
    const timer = setInterval(() => {
      const current = new Date();
      setNow((previous) =>
        startOfDay(previous).getTime() === startOfDay(current).getTime() ? previous : current,
      );
    }, checkIntervalMs);
    return () => clearInterval(timer);
  }, []);

  return now;
}
