/** A progress bar on stderr when it is a terminal; nothing otherwise, so logs and pipes stay clean. */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr) {
  let last = 0
  return {
    update(done: number, total: number, detail = '') {
      if (!stream.isTTY) return
      const now = Date.now()
      if (now - last < 100 && done < total) return
      last = now
      const width = 30
      const share = Math.min(done / Math.max(total, 1), 1)
      const filled = Math.round(share * width)
      stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(share * 100)).padStart(3)}% ${detail}`.padEnd(80))
    },
    done() {
      if (stream.isTTY) stream.write('\n')
    },
  }
}
