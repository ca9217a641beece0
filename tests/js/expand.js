// An independent expansion of a VCALENDAR's VEVENTs, for tests/test_recurrence.py.
//
// Usage: node expand.js WINDOW_START WINDOW_END < calendar.ics
// (window bounds are UTC instants in ISO 8601). Prints a JSON list of
// {"utc": ISO instant, "local": wall time "YYYY-MM-DDTHH:MM:SS"} for every instance
// with WINDOW_START <= instant < WINDOW_END.
//
// Recurrence comes from rrule.js (its own JavaScript implementation, not python-dateutil),
// run on floating wall times. Time zones come from the ICU data in Node's Intl, and a
// wall time becomes an instant by RFC 5545 section 3.3.5: an ambiguous time is its first
// instance, a time in a gap is read with the UTC offset from before the gap.
'use strict';

const { RRule } = require('rrule');

const DAY_MS = 24 * 3600 * 1000;
const formatters = new Map();

function offsetMs(instantMs, zone) {
  // The zone's UTC offset at an instant, read from the wall time Intl shows for it.
  if (!formatters.has(zone)) {
    formatters.set(zone, new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    }));
  }
  const parts = {};
  for (const part of formatters.get(zone).formatToParts(new Date(instantMs))) {
    parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wall - Math.floor(instantMs / 1000) * 1000;
}

function wallToInstant(wallMs, zone) {
  // RFC 5545: the first instance of an ambiguous time; the offset before a gap.
  const before = offsetMs(wallMs - DAY_MS, zone);
  const after = offsetMs(wallMs + DAY_MS, zone);
  const valid = [...new Set([before, after])]
    .map((offset) => wallMs - offset)
    .filter((instant) => wallMs - offsetMs(instant, zone) === instant);
  return valid.length ? Math.min(...valid) : wallMs - before;
}

function instantToWall(instantMs, zone) {
  return instantMs + offsetMs(instantMs, zone);
}

function parseStamp(text) {
  // 20260301T200000 or 20260301T200000Z, as milliseconds of a UTC-labelled wall time.
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$/.exec(text);
  if (!m) throw new Error(`unsupported date-time ${text}`);
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

function events(ics) {
  const lines = ics.replace(/\r?\n[ \t]/g, '').split(/\r?\n/);
  const found = [];
  let current = null;
  for (const line of lines) {
    if (line === 'BEGIN:VEVENT') current = {};
    else if (line === 'END:VEVENT') { found.push(current); current = null; }
    else if (current && line.startsWith('DTSTART')) {
      const m = /^DTSTART;TZID=([^:;]+):(\d{8}T\d{6})$/.exec(line);
      if (!m) throw new Error(`expected DTSTART;TZID=...: ${line}`);
      current.zone = m[1].replace(/^"|"$/g, '');
      current.start = parseStamp(m[2]);
    } else if (current && line.startsWith('RRULE:')) {
      current.rrule = line.slice('RRULE:'.length);
    }
  }
  return found;
}

function expand(event, windowStart, windowEnd) {
  // Floating bounds widened by a day; the exact bounds apply to the instants.
  const low = instantToWall(windowStart, event.zone) - DAY_MS;
  const high = instantToWall(windowEnd, event.zone) + DAY_MS;
  let walls = [event.start];
  if (event.rrule) {
    const options = RRule.parseString(event.rrule);
    if (/UNTIL=(?!\d{8}T\d{6}Z(;|$))/.test(event.rrule)) {
      throw new Error(`UNTIL must be UTC when DTSTART has a TZID (RFC 5545 3.3.10): ${event.rrule}`);
    }
    if (options.until) {
      // UNTIL is a UTC instant; as a floating bound it is that instant's wall time.
      options.until = new Date(instantToWall(options.until.getTime(), event.zone));
    }
    const rule = new RRule({ ...options, dtstart: new Date(event.start), tzid: null });
    walls = rule.between(new Date(low), new Date(high), true).map((d) => d.getTime());
  }
  return walls
    .map((wall) => ({ wall, instant: wallToInstant(wall, event.zone) }))
    .filter(({ instant }) => windowStart <= instant && instant < windowEnd)
    .map(({ wall, instant }) => ({
      utc: new Date(instant).toISOString(),
      local: new Date(wall).toISOString().slice(0, 19),
    }));
}

function main() {
  const [windowStart, windowEnd] = process.argv.slice(2).map((text) => Date.parse(text));
  if (Number.isNaN(windowStart) || Number.isNaN(windowEnd)) {
    throw new Error('usage: node expand.js WINDOW_START WINDOW_END < calendar.ics');
  }
  const ics = require('fs').readFileSync(0, 'utf8');
  const out = events(ics).flatMap((event) => expand(event, windowStart, windowEnd));
  process.stdout.write(JSON.stringify(out));
}

main();
