// Reads a Prometheus text exposition on stdin and prints its families as JSON (prom2json's shape).
// A parse error exits 1 with the message on stderr.
const parse = require('parse-prometheus-text-format');
let text = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', chunk => { text += chunk; });
process.stdin.on('end', () => {
  try {
    process.stdout.write(JSON.stringify(parse(text)));
  } catch (e) {
    process.stderr.write(String(e && e.message || e) + '\n');
    process.exit(1);
  }
});
