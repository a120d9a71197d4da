/**
 * Checks Bot API calls against the published type definitions (@grammyjs/types, as installed), the way
 * Telegram checks them before doing anything: the parameter types of a method are read from the .d.ts
 * files with the TypeScript compiler at test time, so the emulator learns new methods (sendRichMessage
 * and its blocks, Bot API 10.1) from the same source as the bot's own code, never from a copy kept here.
 *
 * A call is malformed when a required field is missing, a field is unknown, a value has the wrong type
 * or is not one of the allowed literals (a block "type", a cell's "align"). Files are `attach://…`
 * strings (grammY's multipart form), so methods are read with files as strings (ApiMethods<string>).
 * Rules that the types cannot say are in rich-api.ts.
 */
import path from 'node:path';
import ts from 'typescript';
import { PROJECT_ROOT } from '../../../src/config.js';

/** A module that names what is checked; resolved beside the project's node_modules, never written to disk. */
const PROBE = path.join(PROJECT_ROOT, 'test', '__bot_api_probe__.ts');
const PROBE_SOURCE = `import type { ApiMethods } from '@grammyjs/types';\nexport type Methods = ApiMethods<string>;\n`;

export class BotApiTypes {
  private constructor(
    private readonly checker: ts.TypeChecker,
    private readonly methods: ts.Type,
  ) {}

  /** Reads grammY's type definitions (about a second). */
  static load(): BotApiTypes {
    const options: ts.CompilerOptions = { strict: true, noEmit: true, skipLibCheck: true, types: [], module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022 };
    const host = ts.createCompilerHost(options);
    const { getSourceFile, fileExists, readFile } = host;
    host.getSourceFile = (file, lang, ...rest) => (path.resolve(file) === PROBE ? ts.createSourceFile(file, PROBE_SOURCE, lang) : getSourceFile.call(host, file, lang, ...rest));
    host.fileExists = (file) => path.resolve(file) === PROBE || fileExists.call(host, file);
    host.readFile = (file) => (path.resolve(file) === PROBE ? PROBE_SOURCE : readFile.call(host, file));
    const program = ts.createProgram([PROBE], options, host);
    const problems = ts.getPreEmitDiagnostics(program, program.getSourceFile(PROBE));
    if (problems.length) throw new Error(`cannot read grammY's Bot API types: ${ts.flattenDiagnosticMessageText(problems[0]!.messageText, ' ')}`);
    const checker = program.getTypeChecker();
    const probe = checker.getSymbolAtLocation(program.getSourceFile(PROBE)!)!;
    const alias = checker.getExportsOfModule(probe).find((s) => s.name === 'Methods')!;
    return new BotApiTypes(checker, checker.getDeclaredTypeOfSymbol(alias));
  }

  /** True when the installed types define this method. */
  knows(method: string): boolean {
    return this.methods.getProperty(method) !== undefined;
  }

  /** Why a call with these parameters is malformed ("rich_message.blocks[0].size: required"), or undefined when it is well-formed. */
  check(method: string, params: Record<string, unknown>): string | undefined {
    const symbol = this.methods.getProperty(method);
    if (!symbol) return `unknown method ${method}`;
    const [signature] = this.checker.getTypeOfSymbol(symbol).getCallSignatures();
    const param = signature?.getParameters()[0];
    if (!param) return Object.keys(params).length ? `${method} takes no parameters` : undefined;
    return this.mismatch(params, this.checker.getTypeOfSymbol(param), '');
  }

  private mismatch(value: unknown, type: ts.Type, at: string): string | undefined {
    const f = type.flags;
    const where = at || 'parameters';
    if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return undefined;
    if (type.isUnion()) return this.unionMismatch(value, type, at);
    if (type.isIntersection()) {
      for (const part of type.types) {
        const why = this.mismatch(value, part, at);
        if (why) return why;
      }
      return undefined;
    }
    if (type.isStringLiteral() || type.isNumberLiteral()) return value === type.value ? undefined : `${where}: must be ${JSON.stringify(type.value)}`;
    if (f & ts.TypeFlags.BooleanLiteral) return String(value) === this.checker.typeToString(type) ? undefined : `${where}: must be ${this.checker.typeToString(type)}`;
    if (f & (ts.TypeFlags.String | ts.TypeFlags.TemplateLiteral)) return typeof value === 'string' ? undefined : `${where}: must be a string`;
    if (f & ts.TypeFlags.Number) return typeof value === 'number' && Number.isFinite(value) ? undefined : `${where}: must be a number`;
    if (f & ts.TypeFlags.Boolean) return typeof value === 'boolean' ? undefined : `${where}: must be a boolean`;
    if (f & (ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.Void)) return value == null ? undefined : `${where}: must be absent`;
    if (f & ts.TypeFlags.Never) return `${where}: must be absent`;
    if (this.checker.isArrayType(type)) {
      if (!Array.isArray(value)) return `${where}: must be an array`;
      const item = this.checker.getTypeArguments(type as ts.TypeReference)[0]!;
      for (let i = 0; i < value.length; i++) {
        const why = this.mismatch(value[i], item, `${at}[${i}]`);
        if (why) return why;
      }
      return undefined;
    }
    if (f & ts.TypeFlags.Object) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${where}: must be an object`;
      const fields = value as Record<string, unknown>;
      const props = this.checker.getPropertiesOfType(type);
      const known = new Set(props.map((p) => p.name));
      const unknown = Object.keys(fields).find((k) => !known.has(k) && fields[k] !== undefined);
      if (unknown !== undefined) return `${at ? `${at}.` : ''}${unknown}: unknown field`;
      for (const prop of props) {
        const name = at ? `${at}.${prop.name}` : prop.name;
        if (fields[prop.name] === undefined) {
          if (!(prop.flags & ts.SymbolFlags.Optional)) return `${name}: required`;
          continue;
        }
        const why = this.mismatch(fields[prop.name], this.checker.getTypeOfSymbol(prop), name);
        if (why) return why;
      }
      return undefined;
    }
    return `${where}: cannot check a value of type ${this.checker.typeToString(type)}`;
  }

  /**
   * A value fits a union when it fits one member. For a tagged object ({"type": "table", …}) the error is
   * the one of the member with that tag, or an unknown tag: that is what a reader needs to fix it.
   */
  private unionMismatch(value: unknown, type: ts.UnionType, at: string): string | undefined {
    const members = type.types.filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)) || value == null);
    if (members.length === 1) return this.mismatch(value, members[0]!, at); // an optional field: T | undefined
    const reasons: string[] = [];
    for (const member of members) {
      const why = this.mismatch(value, member, at);
      if (!why) return undefined;
      reasons.push(why);
    }
    const list = Array.isArray(value) ? members.findIndex((m) => this.checker.isArrayType(m)) : -1;
    if (list >= 0) return reasons[list]; // RichText is also a list of RichText: say what is wrong inside
    const tag = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
    if (typeof tag === 'string') {
      const tagged = members.filter((m) => m.flags & ts.TypeFlags.Object && m.getProperty('type'));
      const same = tagged.find((m) => {
        const t = this.checker.getTypeOfSymbol(m.getProperty('type')!);
        return t.isStringLiteral() && t.value === tag;
      });
      if (same) return reasons[members.indexOf(same)];
      if (tagged.length) return `${at ? `${at}.` : ''}type: unknown type "${tag}"`;
    }
    return `${at || 'parameters'}: must be ${clipType(this.checker.typeToString(type))}`;
  }
}

function clipType(s: string): string {
  return s.length > 120 ? `${s.slice(0, 119)}…` : s;
}
