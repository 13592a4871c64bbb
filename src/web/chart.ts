import { escapeHtml, raw, type SafeHtml } from './html.ts'

// Bar charts as SVG written on the server: one bar per row, its label and value beside it. The chart is a picture
// for the eye (role="img" with a title); the same figures are always in a table next to it for a screen reader.

export function barChart(title: string, rows: { label: string; value: number }[], options: { width?: number; unit?: string } = {}): SafeHtml {
  const width = options.width ?? 640
  const labelWidth = 220
  const valueWidth = 90
  const barArea = width - labelWidth - valueWidth
  const rowHeight = 22
  const height = Math.max(rows.length, 1) * rowHeight + 8
  const max = Math.max(1, ...rows.map((r) => r.value))
  const bars = rows
    .map((r, i) => {
      const y = 4 + i * rowHeight
      const w = Math.round((r.value / max) * barArea)
      const label = r.label.length > 32 ? `${r.label.slice(0, 31)}…` : r.label
      return (
        `<text x="${labelWidth - 6}" y="${y + 15}" text-anchor="end">${escapeHtml(label)}</text>` +
        `<rect x="${labelWidth}" y="${y + 3}" width="${w}" height="${rowHeight - 6}" fill="#2f6db5"></rect>` +
        `<text x="${labelWidth + w + 6}" y="${y + 15}">${escapeHtml(r.value.toLocaleString('ru-RU'))}${escapeHtml(options.unit ?? '')}</text>`
      )
    })
    .join('')
  return raw(
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-size="13" font-family="system-ui, sans-serif">` +
      `<title>${escapeHtml(title)}</title>${bars}</svg>`,
  )
}
