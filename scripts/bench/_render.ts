import fs from 'node:fs'
import { humanReport } from './report.ts'
process.stdout.write(humanReport(JSON.parse(fs.readFileSync(process.argv[2]!, 'utf8'))))
