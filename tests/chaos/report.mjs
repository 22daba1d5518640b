// Turns the TAP output of a fault-test run into the results file that README's fault table cites:
// each test's verdict, its time, and the line it printed about what the clients saw.
//   node report.mjs RUN.tap "HEADING" > bench/results/DATE-chaos-rN.md
import fs from 'node:fs';

const [tapFile, heading] = process.argv.slice(2);
const lines = fs.readFileSync(tapFile, 'utf8').split('\n');
const out = [`# ${heading}`, ''];
let said = [];
for (let i = 0; i < lines.length; i++) {
  // A test's console.log lines come before its verdict, as "# \# ...".
  const note = lines[i].match(/^# \\# (.*)$/);
  if (note) { said.push(note[1]); continue; }
  const verdict = lines[i].match(/^ {4}(not ok|ok) \d+ - (.*)$/);
  if (!verdict) continue;
  const ms = lines.slice(i, i + 4).join('\n').match(/duration_ms: ([\d.]+)/)?.[1];
  out.push(`## ${verdict[1] === 'ok' ? 'passed' : 'FAILED'}: ${verdict[2]}`, '');
  if (ms) out.push(`${Math.round(ms / 1000)} s.`, '');
  for (const s of said) out.push(`- ${s.split('; ').join('\n  ')}`);
  if (said.length) out.push('');
  said = [];
}
const totals = lines.filter((l) => /^# (tests|pass|fail|duration_ms) /.test(l)).map((l) => l.slice(2));
out.push('## Totals', '', ...totals.map((t) => `- ${t}`), '');
process.stdout.write(out.join('\n'));
