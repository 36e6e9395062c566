/**
 * A recurring focus rule as an agent states it (`/focus weekdays 9:00-10:00`): the parser
 * produces it, FocusService stores it, the hourly expansion turns it into blocks, and the reply
 * describes it.
 */
export interface RecurringRule {
  /** An RRULE body without DTSTART, e.g. `FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR` */
  rrule: string;
  /** HH:mm, local to `timeZone` */
  localStart: string;
  durationMinutes: number;
  /** IANA zone the rule's days and `localStart` are read in */
  timeZone: string;
  note: string | null;
}
