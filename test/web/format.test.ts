import t from 'tap'
import { formatDate, formatKopecks, formatMonth, formatRoubles, parseRoubles } from '../../src/web/format.ts'
import { html, raw } from '../../src/web/html.ts'

t.test('amounts and dates as a Russian accountant writes them', async (t) => {
  const nn = '\u202F' // narrow no-break space between thousands
  const nb = '\u00A0' // no-break space before the sign
  t.equal(formatKopecks(587180), `5${nn}871,80${nb}₽`)
  t.equal(formatKopecks(0), `0,00${nb}₽`)
  t.equal(formatKopecks(5), `0,05${nb}₽`)
  t.equal(formatKopecks(-123456789), `−1${nn}234${nn}567,89${nb}₽`)
  t.equal(formatKopecks('900719925474099199'), `9${nn}007${nn}199${nn}254${nn}740${nn}991,99${nb}₽`, 'past 2^53 kopecks, exact (never a float)')
  t.equal(formatRoubles('5871.80'), `5${nn}871,80${nb}₽`)
  t.equal(formatRoubles('-0.5'), `−0,50${nb}₽`)
  t.equal(parseRoubles(`5${nn}871,8`), '5871.80')
  t.equal(parseRoubles('5 871.80'), '5871.80')
  t.equal(parseRoubles('1,234'), null, 'three decimals is not an amount')
  t.equal(parseRoubles('-1'), null)
  t.equal(formatDate('2024-03-05'), '05.03.2024')
  t.equal(formatMonth('2024-03'), 'март 2024')
})

t.test('the html template escapes what it is given', async (t) => {
  const name = '<script>alert("x")</script> & «Ромашка»'
  t.equal(html`<td>${name}</td>`.text, '<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; «Ромашка»</td>')
  t.equal(html`<a title='${"'"}'>`.text, `<a title='&#39;'>`)
  t.equal(html`<ul>${['a<', 'b'].map((x) => html`<li>${x}</li>`)}</ul>`.text, '<ul><li>a&lt;</li><li>b</li></ul>', 'markup made by html stays markup')
  t.equal(html`${raw('<svg></svg>')}${null}${undefined}${false}${0}`.text, '<svg></svg>0')
})
