import { describe, expect, it } from 'vitest';
import { DEFAULT_DURATION_SEC, DEFAULT_OUT, parseCommand } from './args';
import { UsageError } from './errors';

function usage(argv: string[]): UsageError {
  try {
    parseCommand(argv);
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error(`expected a UsageError for ${argv.join(' ')}`);
}

describe('parseCommand', () => {
  it('parses record with defaults', () => {
    expect(parseCommand(['record', 'http://localhost:8080/app'])).toEqual({
      kind: 'record',
      url: 'http://localhost:8080/app',
      durationSec: DEFAULT_DURATION_SEC,
      out: DEFAULT_OUT,
      script: null,
      failOn: 'warning',
      json: false,
      navTimeoutSec: 30,
      gc: false,
      allowPageErrors: false,
      allowOutOfMemory: false,
      allocations: true,
      chromiumArgs: [],
      repeat: null,
    });
  });

  it('parses every record option, long and short', () => {
    expect(
      parseCommand([
        'record',
        '-d',
        '2.5',
        '-o',
        'out/t.json',
        '-s',
        'a.mjs',
        '--fail-on',
        'error',
        '--json',
        '--timeout',
        '9',
        'https://x.test/',
      ]),
    ).toEqual({
      kind: 'record',
      url: 'https://x.test/',
      durationSec: 2.5,
      out: 'out/t.json',
      script: 'a.mjs',
      failOn: 'error',
      json: true,
      navTimeoutSec: 9,
      gc: false,
      allowPageErrors: false,
      allowOutOfMemory: false,
      allocations: true,
      chromiumArgs: [],
      repeat: null,
    });
    expect(parseCommand(['record', 'http://a/', '--duration=0'])).toMatchObject({ durationSec: 0 });
    expect(parseCommand(['record', 'http://a/', '--allow-page-errors'])).toMatchObject({ allowPageErrors: true });
    expect(parseCommand(['record', 'http://a/', '--no-allocations'])).toMatchObject({ allocations: false });
    expect(parseCommand(['record', 'http://a/', '--gc', '--chromium-arg=--lang=de', '--chromium-arg=--mute-audio'])).toMatchObject({
      gc: true,
      chromiumArgs: ['--lang=de', '--mute-audio'],
    });
  });

  it('parses --repeat: needs --script and at least 3 cycles; implies --gc and a 0 s duration', () => {
    expect(parseCommand(['record', 'http://a/', '--script', 'c.mjs', '--repeat', '5'])).toMatchObject({
      repeat: 5,
      gc: true,
      durationSec: 0,
      script: 'c.mjs',
    });
    expect(parseCommand(['record', 'http://a/', '-s', 'c.mjs', '--repeat=4', '-d', '2'])).toMatchObject({ repeat: 4, durationSec: 2 });
    expect(() => parseCommand(['record', 'http://a/', '--repeat', '5'])).toThrow(/--repeat needs --script/);
    expect(() => parseCommand(['record', 'http://a/', '-s', 'c.mjs', '--repeat', '2'])).toThrow(
      /--repeat must be a whole number of cycles from 3/,
    );
    expect(() => parseCommand(['record', 'http://a/', '-s', 'c.mjs', '--repeat', '2.5'])).toThrow(UsageError);
    expect(() => parseCommand(['record', 'http://a/', '-s', 'c.mjs', '--repeat', ''])).toThrow(UsageError);
  });

  it('parses analyze', () => {
    expect(parseCommand(['analyze', 't.json'])).toEqual({
      kind: 'analyze',
      file: 't.json',
      failOn: 'warning',
      json: false,
      allowOutOfMemory: false,
    });
    expect(parseCommand(['analyze', '--json', '--fail-on', 'info', '--allow-out-of-memory', 't.json'])).toEqual({
      kind: 'analyze',
      file: 't.json',
      failOn: 'info',
      json: true,
      allowOutOfMemory: true,
    });
  });

  it('answers help and version', () => {
    expect(parseCommand(['--help'])).toEqual({ kind: 'help', topic: 'main' });
    expect(parseCommand(['help'])).toEqual({ kind: 'help', topic: 'main' });
    expect(parseCommand(['help', 'record'])).toEqual({ kind: 'help', topic: 'record' });
    expect(parseCommand(['record', '--help'])).toEqual({ kind: 'help', topic: 'record' });
    expect(parseCommand(['analyze', '-h'])).toEqual({ kind: 'help', topic: 'analyze' });
    expect(parseCommand(['-v'])).toEqual({ kind: 'version' });
  });

  it('rejects unknown commands and flags with the command to get help for', () => {
    expect(usage([]).message).toMatch(/no command/);
    expect(usage(['recrod', 'x']).message).toBe('unknown command "recrod"');
    const e = usage(['analyze', '--bogus', 't.json']);
    expect(e.message).toMatch(/--bogus/);
    expect(e.helpFor).toBe('analyze');
    expect(usage(['record', '--nope', 'http://a/']).helpFor).toBe('record');
    expect(usage(['help', 'frobnicate']).message).toMatch(/frobnicate/);
  });

  it('rejects missing and extra positionals', () => {
    expect(usage(['record']).message).toBe('record needs a URL');
    expect(usage(['analyze']).message).toBe('analyze needs a trace file');
    expect(usage(['analyze', 'a.json', 'b.json']).message).toMatch(/one trace file/);
    expect(usage(['record', 'http://a/', 'http://b/']).message).toMatch(/one URL/);
  });

  it('validates values', () => {
    expect(usage(['record', '--duration', 'soon', 'http://a/']).message).toBe('--duration must be a number of seconds >= 0; got "soon"');
    expect(usage(['record', '--duration', '-1', 'http://a/']).message).toMatch(/--duration/);
    expect(usage(['record', '--duration', '', 'http://a/']).message).toMatch(/--duration/);
    expect(usage(['analyze', '--fail-on', 'fatal', 't.json']).message).toBe('--fail-on must be one of info, warning, error; got "fatal"');
    expect(usage(['record', '--duration']).message).toMatch(/--duration/);
    expect(usage(['record', '--out', '', 'http://a/']).message).toMatch(/--out/);
    expect(usage(['record', '--chromium-arg', 'lang=de', 'http://a/']).message).toMatch(/must be a Chromium flag starting with "--"/);
    // parseArgs refuses a separate value that looks like a flag; the message says so.
    expect(usage(['record', '--chromium-arg', '--mute-audio', 'http://a/']).message).toMatch(/ambiguous/);
  });

  it('accepts only absolute http(s) URLs', () => {
    expect(usage(['record', 'localhost:8080']).message).toMatch(/http/);
    expect(usage(['record', 'not a url']).message).toBe('not a URL: "not a url" (give a full http:// or https:// URL)');
    expect(usage(['record', 'file:///tmp/x.html']).message).toMatch(/serve the folder over http/);
    expect(usage(['record', 'ftp://h/x']).message).toMatch(/only http/);
  });
});
