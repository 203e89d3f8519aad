/** A run of chats under one heading of the sidebar ("Today", "Yesterday", "March", …). */
export interface DateGroup<Item> {
  label: string;
  items: Item[];
}

/**
 * Groups items (newest first) by when they were last updated, in the user's local time, the
 * way ChatGPT does: Today, Yesterday, Previous 7 days, Previous 30 days, then one group per
 * month ("March" in the current year, "March 2025" before it). An update later than `now` (a
 * server clock ahead of this one) counts as today. Groups keep the items' order, each label
 * appears once.
 */
export function groupByDate<Item>(
  items: readonly Item[],
  updatedAt: (item: Item) => string,
  now: Date,
): DateGroup<Item>[] {
  const groups = new Map<string, Item[]>();
  for (const item of items) {
    const label = dateGroupLabel(new Date(updatedAt(item)), now);
    const group = groups.get(label);
    if (group) group.push(item);
    else groups.set(label, [item]);
  }
  return [...groups].map(([label, grouped]) => ({ label, items: grouped }));
}

export function dateGroupLabel(updated: Date, now: Date): string {
  if (Number.isNaN(updated.getTime())) return 'Older';
  const today = startOfDay(now);
  const daysBefore = (days: number) =>
    new Date(today.getFullYear(), today.getMonth(), today.getDate() - days);
  if (updated >= today) return 'Today';
  if (updated >= daysBefore(1)) return 'Yesterday';
  if (updated >= daysBefore(7)) return 'Previous 7 days';
  if (updated >= daysBefore(30)) return 'Previous 30 days';
  const month = updated.toLocaleString('en-US', { month: 'long' });
  return updated.getFullYear() === now.getFullYear() ? month : `${month} ${updated.getFullYear()}`;
}

export function startOfDay(date: Date): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}
