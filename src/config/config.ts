import { z } from 'zod'

const wholeNumber = (min: number, max: number) => {
  const message = `must be a whole number between ${min} and ${max}`
  return z.coerce.number({ message }).int(message).min(min, message).max(max, message)
}

/** Every setting the ledger reads from its environment; README's configuration table documents each. */
const ConfigSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  LEDGER_DATA_DIR: z.string().min(1).default('.ledger-data'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce
    .number({ message: 'must be an integer between 0 and 65535' })
    .int('must be an integer between 0 and 65535')
    .min(0, 'must be an integer between 0 and 65535')
    .max(65535, 'must be an integer between 0 and 65535')
    .default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_POOL_SIZE: z.coerce
    .number({ message: 'must be an integer between 1 and 100' })
    .int('must be an integer between 1 and 100')
    .min(1, 'must be an integer between 1 and 100')
    .max(100, 'must be an integer between 1 and 100')
    .default(10),
  DATABASE_CONNECT_TIMEOUT: z.coerce
    .number({ message: 'must be a whole number of seconds between 1 and 300' })
    .int('must be a whole number of seconds between 1 and 300')
    .min(1, 'must be a whole number of seconds between 1 and 300')
    .max(300, 'must be a whole number of seconds between 1 and 300')
    .default(5),
  LEDGER_TIME_ZONE: z
    .string()
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz })
        return true
      } catch {
        return false
      }
    }, 'must be an IANA time zone such as Europe/Moscow')
    .default('Europe/Moscow'),
  RATE_LIMIT_AUTH_FAILURES: wholeNumber(0, 1_000_000).default(20),
  RATE_LIMIT_PER_TOKEN: wholeNumber(0, 1_000_000_000).default(6000),
  BODY_LIMIT: wholeNumber(1024, 100 * 1024 * 1024).default(16 * 1024),
  /** The workspace's session cookie: Secure always, never, or when the request came over https (auto). */
  WEB_SECURE_COOKIES: z.enum(['auto', 'always', 'never'], { message: 'must be auto, always or never' }).default('auto'),
  /** How long a workspace session lasts, in minutes (default 8 hours). */
  WEB_SESSION_MINUTES: wholeNumber(1, 60 * 24 * 30).default(480),
  PUBLIC_DOCS: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .default('false')
    .transform((v) => v === 'true'),
  TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d{1,2}|[0-9a-fA-F.:/]+(,\s*[0-9a-fA-F.:/]+)*)$/, 'must be true, false, a number of proxies, or addresses/CIDRs separated by commas')
    .default('false')
    .transform((v): boolean | number | string[] =>
      v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v.split(',').map((a) => a.trim()),
    ),
  // The transparency log (README, "Transparency log"): the checkpoints' signing key, origin line and frequency.
  LEDGER_SIGNING_KEY_FILE: z.string().min(1).max(4096).optional(),
  LEDGER_LOG_ORIGIN: z
    .string()
    .regex(/^[^\s+]{1,200}$/, 'must be one word without spaces or "+", such as ledger.example.org/pfdo')
    .optional(),
  CHECKPOINT_EVERY_EVENTS: wholeNumber(1, 100_000_000).default(1000),
  CHECKPOINT_EVERY_SECONDS: wholeNumber(1, 31 * 24 * 3600).default(60),
  TRANSPARENCY_PUBLIC: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .default('false')
    .transform((v) => v === 'true'),
  EVENTSTORE_CONNECTION_STRING: z
    .string()
    .regex(/^(esdb|kurrentdb|kdb)(\+discover)?:\/\//, 'must be an esdb:// or kurrentdb:// connection string')
    .optional(),
})

export type Config = z.infer<typeof ConfigSchema>

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`invalid configuration: ${variable} ${detail}`)
    this.name = 'ConfigError'
  }
}

/** Reads the configuration; empty strings count as unset so `FOO= ledger serve` falls back to the default. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const relevant: Record<string, string> = {}
  for (const key of Object.keys(ConfigSchema.shape)) {
    const value = env[key]
    if (value !== undefined && value !== '') relevant[key] = value
  }
  const parsed = ConfigSchema.safeParse(relevant)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const variable = String(issue.path[0] ?? 'environment')
    const got = relevant[variable]
    throw new ConfigError(variable, `${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`)
  }
  return parsed.data
}
