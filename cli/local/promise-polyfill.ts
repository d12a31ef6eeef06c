/** aws-local-stepfunctions uses Node 22's Promise.withResolvers; Node 20 lacks it. */
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void
      let reject!: (reason?: unknown) => void
      const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)))
      return { promise, resolve, reject }
    },
  })
}
export {}
