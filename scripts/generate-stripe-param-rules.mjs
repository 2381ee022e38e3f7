#!/usr/bin/env node
/**
 * Generates the Stripe sandbox's parameter rules (apps/stripe-sandbox/src/core/generated/param-rules.ts)
 * from the installed `stripe` package, so the sandbox refuses what Stripe refuses:
 *
 * 1. the endpoints: every `route('GET' | 'POST', '/v1/...')` in apps/stripe-sandbox/src/http/api-routes.ts;
 * 2. which `stripe` method calls each one: the `this._makeRequest(method, path)` calls in
 *    node_modules/stripe/esm/resources/**\/*.js;
 * 3. that method's params type (`Checkout.SessionCreateParams`, `TransferListParams`, ...) in the
 *    matching .d.ts, walked with the TypeScript compiler's type checker into rules: each parameter's
 *    type (string, number, boolean, enum values, decimal, metadata, object with nested rules, array of
 *    ..., one of several), whether it is required, and whether '' (stripe-node's null: "unset") is allowed;
 * 4. Stripe's documented error codes: the union type of `PaymentIntent.last_payment_error.code`.
 *
 * Run `npm run sandbox:rules` after upgrading `stripe` (a unit test fails until you do), review the
 * diff, commit it. `--check` only compares and exits 1 when the committed file is stale.
 */
import { readFileSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..');
const stripeDir = join(root, 'node_modules/stripe');
const resourcesDir = join(stripeDir, 'esm/resources');
const routesFile = join(root, 'apps/stripe-sandbox/src/http/api-routes.ts');
const outFile = join(root, 'apps/stripe-sandbox/src/core/generated/param-rules.ts');

const stripeVersion = JSON.parse(readFileSync(join(stripeDir, 'package.json'), 'utf8')).version;
const apiVersion = /ApiVersion = '([^']+)'/.exec(readFileSync(join(stripeDir, 'esm/apiVersion.js'), 'utf8'))[1];

const fail = (message) => {
  console.error(`generate-stripe-param-rules: ${message}`);
  process.exit(1);
};

// ----- 1. the routes the sandbox serves ---------------------------------------------------------

function servedRoutes() {
  const source = ts.createSourceFile(routesFile, readFileSync(routesFile, 'utf8'), ts.ScriptTarget.Latest, true);
  const routes = [];
  const visit = (node) => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'route') {
      const [method, url] = node.arguments;
      if (method && url && ts.isStringLiteral(method) && ts.isStringLiteral(url)) routes.push({ method: method.text, url: url.text });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (routes.length === 0) fail(`no route('METHOD', '/v1/...') calls found in ${relative(root, routesFile)}`);
  return routes;
}

// ----- 2. which stripe method sends each request ------------------------------------------------

const walk = (dir) => readdirSync(dir).flatMap((name) => {
  const path = join(dir, name);
  return statSync(path).isDirectory() ? walk(path) : [path];
});

/** `/v1/transfers/${encodeURIComponent(id)}/reversals` -> `/v1/transfers/:/reversals` (and how many ids precede params). */
function requestPath(node) {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return { path: node.text, ids: 0 };
  if (ts.isTemplateExpression(node)) {
    return { path: node.head.text + node.templateSpans.map((span) => `:${span.literal.text}`).join(''), ids: node.templateSpans.length };
  }
  return null;
}

function stripeMethods() {
  const byRequest = new Map();
  for (const file of walk(resourcesDir).filter((f) => f.endsWith('.js'))) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    for (const cls of source.statements.filter(ts.isClassDeclaration)) {
      for (const member of cls.members.filter(ts.isMethodDeclaration)) {
        const calls = [];
        const visit = (node) => {
          if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === '_makeRequest') {
            const [method, path] = node.arguments;
            const parsed = method && ts.isStringLiteral(method) && path ? requestPath(path) : null;
            if (parsed) calls.push({ method: method.text, ...parsed });
          }
          ts.forEachChild(node, visit);
        };
        visit(member);
        for (const call of calls) {
          const key = `${call.method} ${call.path}`;
          const candidate = { dts: file.replace(/\.js$/, '.d.ts'), className: cls.name.text, methodName: member.name.getText(source), ids: call.ids, sole: calls.length === 1 };
          const known = byRequest.get(key);
          // Prefer a method that sends only this request (retrieveCurrent) over one that branches (retrieve).
          if (!known || (!known.sole && candidate.sole)) byRequest.set(key, candidate);
        }
      }
    }
  }
  return byRequest;
}

// ----- 3. params types into rules ---------------------------------------------------------------

const sortedUnique = (values) => [...new Set(values)].sort();

function rulesBuilder(checker) {
  const symbolName = (type) => (type.aliasSymbol ?? type.getSymbol())?.getName();
  const isOtherString = (t) => t.isIntersection() && t.types.some((p) => (p.flags & ts.TypeFlags.String) !== 0);

  /**
   * TypeScript has one `number`; Stripe's API has integers (amounts, counts, timestamps) and a few
   * decimals (percentages). A number is an integer unless its name says percent or its
   * documentation says decimal (and not integer).
   */
  const ruleOf = (type, depth, float = false) => {
    if (depth > 16) fail('params nest deeper than 16 levels: a recursive type?');
    let emptyable = false;
    const parts = (type.isUnion() ? type.types : [type]).filter((part) => {
      if (part.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) return false;
      // stripe-node sends null as '' (Emptyable<T> = null | '' | T): "unset this".
      if (part.flags & ts.TypeFlags.Null || (part.isStringLiteral() && part.value === '')) {
        emptyable = true;
        return false;
      }
      return true;
    });
    const enumValues = [];
    const kinds = new Map();
    let otherString = false;
    for (const part of parts) {
      if (part.flags & ts.TypeFlags.BooleanLiteral || part.flags & ts.TypeFlags.Boolean) kinds.set('boolean', { type: 'boolean' });
      else if (part.isStringLiteral()) enumValues.push(part.value);
      // The SDK joins every enum with OtherString (string & Record<never, never>) so that newer API
      // values still compile; the API version it is pinned to takes only the values listed.
      else if (isOtherString(part)) otherString = true;
      else if (part.flags & ts.TypeFlags.String) kinds.set('string', { type: 'string' });
      else if (part.flags & (ts.TypeFlags.Number | ts.TypeFlags.NumberLiteral)) kinds.set('number', { type: float ? 'float' : 'integer' });
      else if (checker.isArrayType(part)) {
        const [element] = checker.getTypeArguments(part);
        kinds.set('array', { type: 'array', items: ruleOf(element, depth + 1, float) });
      } else if (symbolName(part) === 'Decimal') kinds.set('decimal', { type: 'decimal' });
      else if (symbolName(part) === 'MetadataParam') kinds.set('metadata', { type: 'metadata' });
      else if (part.flags & ts.TypeFlags.Object) kinds.set(`object${kinds.size}`, objectRule(part, depth));
      else fail(`unsupported type ${checker.typeToString(part)}`);
    }
    // An enum joined with \`string\` itself is a string; OtherString alone (no values) too.
    if (enumValues.length > 0 && !kinds.has('string')) kinds.set('enum', { type: 'enum', values: sortedUnique(enumValues) });
    else if (otherString && !kinds.has('string')) kinds.set('string', { type: 'string' });
    const options = [...kinds.values()];
    if (options.length === 0) fail(`empty type ${checker.typeToString(type)}`);
    const rule = options.length === 1 ? options[0] : { type: 'anyOf', options };
    return emptyable ? { ...rule, emptyable: true } : rule;
  };

  const objectRule = (type, depth) => {
    const [index] = checker.getIndexInfosOfType(type);
    const properties = {};
    for (const property of checker.getPropertiesOfType(type)) {
      const doc = ts.displayPartsToString(property.getDocumentationComment(checker));
      const float = !/\binteger\b/i.test(doc) && (/percent/i.test(property.getName()) || /\bdecimal\b/i.test(doc));
      const rule = ruleOf(checker.getTypeOfSymbol(property), depth + 1, float);
      properties[property.getName()] = (property.flags & ts.SymbolFlags.Optional) ? rule : { ...rule, required: true };
    }
    if (index) {
      if (Object.keys(properties).length > 0) fail(`${checker.typeToString(type)} mixes properties and an index signature`);
      return { type: 'map', values: ruleOf(index.type, depth + 1) };
    }
    return { type: 'object', properties };
  };

  return (type) => ruleOf(type, 0);
}

function paramsType(program, checker, target) {
  const source = program.getSourceFile(target.dts);
  if (!source) fail(`${relative(root, target.dts)} is not in the program`);
  const cls = source.statements.find((s) => ts.isClassDeclaration(s) && s.name?.text === target.className);
  if (!cls) fail(`class ${target.className} not found in ${relative(root, target.dts)}`);
  // Overloads: the one taking as many ids as the request path has, then `params`.
  const overloads = cls.members.filter((m) => ts.isMethodDeclaration(m) && m.name.getText(source) === target.methodName);
  const declaration = overloads.find((m) => m.parameters[target.ids]?.name.getText(source) === 'params');
  if (!declaration) fail(`${target.className}.${target.methodName} has no params argument after ${target.ids} id(s)`);
  const param = declaration.parameters[target.ids];
  return { type: checker.getNonNullableType(checker.getTypeAtLocation(param)), name: param.type.getText(source) };
}

function documentedErrorCodes(program, checker) {
  const source = program.getSourceFile(join(resourcesDir, 'PaymentIntents.d.ts'));
  const intent = source.statements.find((s) => ts.isInterfaceDeclaration(s) && s.name.text === 'PaymentIntent');
  const lastError = checker.getNonNullableType(checker.getTypeOfSymbol(checker.getTypeAtLocation(intent).getProperty('last_payment_error')));
  const code = checker.getNonNullableType(checker.getTypeOfSymbol(lastError.getProperty('code')));
  const values = (code.isUnion() ? code.types : [code]).filter((t) => t.isStringLiteral()).map((t) => t.value);
  if (values.length < 50) fail('could not read PaymentIntent.LastPaymentError.Code');
  return sortedUnique(values);
}

// ----- 4. write -----------------------------------------------------------------------------------

function generate() {
  const routes = servedRoutes();
  const methods = stripeMethods();
  const targets = routes.map((route) => {
    const key = `${route.method} ${route.url.replace(/:[A-Za-z_]+/g, ':')}`;
    const target = methods.get(key);
    if (!target) fail(`no stripe method sends ${route.method} ${route.url} (stripe@${stripeVersion})`);
    return { route, target };
  });
  const program = ts.createProgram({
    rootNames: [...new Set([...targets.map((t) => t.target.dts), join(resourcesDir, 'PaymentIntents.d.ts')])],
    options: { strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, types: [] },
  });
  const checker = program.getTypeChecker();
  const toRule = rulesBuilder(checker);
  const endpoints = {};
  for (const { route, target } of targets) {
    const { type, name } = paramsType(program, checker, target);
    const rule = toRule(type);
    if (rule.type !== 'object') fail(`${name} is not an object type`);
    endpoints[`${route.method} ${route.url}`] = {
      stripe: `${relative(stripeDir, target.dts)} ${target.className}.${target.methodName}(${name})`,
      params: rule.properties,
    };
  }
  const errorCodes = documentedErrorCodes(program, checker);
  return [
    '// GENERATED by scripts/generate-stripe-param-rules.mjs (npm run sandbox:rules): do not edit by hand.',
    `// Source: the \`stripe\` package ${stripeVersion} (API version ${apiVersion}): the params types of the methods`,
    '// that send each request apps/stripe-sandbox/src/http/api-routes.ts serves, and Stripe\'s error codes.',
    '// Regenerate after upgrading `stripe`; review the diff like any other change.',
    "import type { EndpointRules } from '../param-rule-types.js';",
    '',
    `export const STRIPE_PACKAGE_VERSION = '${stripeVersion}';`,
    `export const STRIPE_API_VERSION = '${apiVersion}';`,
    '',
    '/** Stripe\'s documented error codes (the `stripe` package\'s `PaymentIntent.LastPaymentError.Code`). */',
    `export const STRIPE_ERROR_CODES: readonly string[] = ${JSON.stringify(errorCodes)};`,
    '',
    '/** Per endpoint (`METHOD /v1/path/:id`, as api-routes.ts registers it): its parameters. */',
    `export const PARAM_RULES: Readonly<Record<string, EndpointRules>> = ${JSON.stringify(endpoints, null, 1)};`,
    '',
  ].join('\n');
}

const text = generate();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(outFile, 'utf8');
  } catch {
    // missing: stale
  }
  if (current !== text) fail(`${relative(root, outFile)} is stale: run npm run sandbox:rules`);
  console.log(`${relative(root, outFile)} is up to date (stripe@${stripeVersion})`);
} else if (process.argv.includes('--stdout')) {
  process.stdout.write(text);
} else {
  writeFileSync(outFile, text);
  console.log(`wrote ${relative(root, outFile)} from stripe@${stripeVersion} (${apiVersion})`);
}
