/**
 * Runs `work` for every item, at most `limit` at a time, starting them in their order (what `work` does before its
 * first await happens in item order, whichever finishes first). After the first failure nothing new starts; the ones
 * running are waited for, so a caller that stops on the error (a process interrupted half-way) leaves nothing
 * writing behind its back. Then the first error is thrown.
 */
export async function forEachConcurrently<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  let failure: { error: unknown } | null = null
  const worker = async () => {
    while (failure === null && next < items.length) {
      const item = items[next++]!
      try {
        await work(item)
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  if (failure !== null) throw (failure as { error: unknown }).error
}
