/**
 * Python's `datetime.strftime` as transformers' `strftime_now` global calls it: in the C locale
 * (Python does not call setlocale, so month and day names are English whatever the machine's
 * locale) with glibc's directives. @huggingface/jinja's own strftime_now names months in the
 * runtime's default locale ("03 Dez 2026" under LANG=de_DE, where Llama 3.x's template expects
 * "03 Dec 2026") and leaves %a, %A, %S, %y, %I, %p, %j… unreplaced; ChatTemplate passes this one.
 */

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

const pad = (n: number, width = 2, fill = "0"): string => String(n).padStart(width, fill);

/** Day of the year, 1-based (local time, as `date`'s other fields). */
function dayOfYear(date: Date): number {
  const start = new Date(date.getFullYear(), 0, 1);
  const today = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  return Math.round((today.getTime() - start.getTime()) / 86_400_000) + 1;
}

/** One directive's text (`flag` "-": glibc's no padding), or undefined for one it does not know. */
function directive(date: Date, letter: string, flag: string): string | undefined {
  const numeric = (n: number, width = 2): string => (flag === "-" ? String(n) : pad(n, width));
  const hour12 = date.getHours() % 12 === 0 ? 12 : date.getHours() % 12;
  switch (letter) {
    case "a": return DAYS[date.getDay()]!.slice(0, 3);
    case "A": return DAYS[date.getDay()]!;
    case "b": case "h": return MONTHS[date.getMonth()]!.slice(0, 3);
    case "B": return MONTHS[date.getMonth()]!;
    case "d": return numeric(date.getDate());
    case "e": return flag === "-" ? String(date.getDate()) : pad(date.getDate(), 2, " ");
    case "m": return numeric(date.getMonth() + 1);
    case "y": return numeric(date.getFullYear() % 100);
    case "Y": return String(date.getFullYear());
    case "H": return numeric(date.getHours());
    case "I": return numeric(hour12);
    case "p": return date.getHours() < 12 ? "AM" : "PM";
    case "M": return numeric(date.getMinutes());
    case "S": return numeric(date.getSeconds());
    case "j": return numeric(dayOfYear(date), 3);
    case "w": return String(date.getDay());
    case "u": return String(date.getDay() === 0 ? 7 : date.getDay());
    case "F": return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
    case "%": return "%";
    default: return undefined;
  }
}

/** `format` with its directives replaced from `date` (local time); unknown ones stay as written. */
export function strftime(date: Date, format: string): string {
  return format.replace(/%(-?)([a-zA-Z%])/g, (whole, flag: string, letter: string) => directive(date, letter, flag) ?? whole);
}
