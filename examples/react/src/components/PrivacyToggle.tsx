import { useConsent } from '@trackpoint/react'

/** The user's analytics switch: re-renders whenever consent changes (here or in another tab). */
export function PrivacyToggle() {
  const { optedOut, optIn, optOut } = useConsent()
  return (
    <footer data-testid="privacy">
      <span>Analytics: {optedOut ? 'off' : 'on'}</span>{' '}
      <button type="button" onClick={() => (optedOut ? optIn() : optOut())}>
        {optedOut ? 'Turn analytics on' : 'Turn analytics off'}
      </button>
    </footer>
  )
}
