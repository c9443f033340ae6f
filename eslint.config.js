// Lint: type-aware rules that catch what review kept missing (floating promises, non-exhaustive
// switches, unused code) and the house's boundaries (docs/decisions.md, "The house").
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** A package is used through its index ("@modelhooks/x"), never through one of its files. */
const noDeepPackageImports = {
  regex: "^@modelhooks/[^/]+/.+",
  message: "import the package itself (@modelhooks/<name>): its index.ts is its face",
};
const noAppImports = (...apps) => ({
  regex: `(^|/)(apps/)?(${apps.join("|")})/src(/|$)`,
  message: "apps do not import each other, and packages never import apps: move shared code into a package",
});
/** From packages/<a>/src/…, reaching into packages/<b>/src/… by a relative path. */
const noRelativeCrossPackage = {
  regex: "^(\\.\\./)+(packages/)?[\\w-]+/src(/|$)",
  message: "import another package by its name (@modelhooks/<name>), not by a relative path into its files",
};

const restrictedImports = (...patterns) => ["error", { patterns: [noDeepPackageImports, ...patterns] }];

export default tseslint.config(
  {
    ignores: ["node_modules/", "**/dist/", "packages/db/src/generated/", "bench/results/", "coverage/", "apps/console/dist/"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { arguments: false } }],
      "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      // The unsafe-any family flags every JSON body a test reads; strict TypeScript already guards product code.
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/only-throw-error": "error",
      "no-console": "error",
      "no-restricted-imports": "off",
      "@typescript-eslint/no-restricted-imports": restrictedImports(),
    },
  },
  {
    files: ["apps/api/src/**/*.ts"],
    rules: { "@typescript-eslint/no-restricted-imports": restrictedImports(noAppImports("worker", "console")) },
  },
  {
    files: ["apps/worker/src/**/*.ts"],
    rules: { "@typescript-eslint/no-restricted-imports": restrictedImports(noAppImports("api", "console")) },
  },
  {
    files: ["packages/*/src/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": restrictedImports(noAppImports("api", "worker", "console"), noRelativeCrossPackage),
    },
  },
  {
    // Raw SQL only as named Prisma.sql statements (docs/decisions.md, "Raw SQL"): parameters are
    // always bound, and each statement has a name its integration test can refer to.
    files: ["apps/*/src/**/*.ts", "packages/*/src/**/*.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "MemberExpression[property.name=/^\\$(queryRawUnsafe|executeRawUnsafe)$/]",
          message: "no SQL built from strings: write a named Prisma.sql statement",
        },
        {
          selector: "TaggedTemplateExpression[tag.property.name=/^\\$(queryRaw|executeRaw)$/]",
          message: "name the statement: a constant returning Prisma.sql, next to the code that runs it",
        },
      ],
    },
  },
  {
    // Routes are thin: parse, call one function of a package, render. Queries and SQL live in packages.
    files: ["apps/api/src/routes/**/*.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          // `deps.db.webhook…`, `deps.db.$queryRaw…`: handing the client to a package function is fine.
          selector: "MemberExpression[object.property.name='db']",
          message: "routes do not talk to the database: call a function of a domain package",
        },
        {
          selector: "MemberExpression[property.name=/^\\$(queryRaw|executeRaw|queryRawUnsafe|executeRawUnsafe|transaction)$/]",
          message: "routes do not run SQL: call a function of a domain package",
        },
      ],
    },
  },
  {
    // Command-line tools and tests print to the terminal on purpose.
    files: ["scripts/**/*.ts", "bench/**/*.ts", "test/**/*.ts", "scripts/**/*.mjs"],
    rules: { "no-console": "off" },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { parserOptions: { projectService: false }, globals: { process: "readonly", console: "readonly", URL: "readonly" } },
  },
);
