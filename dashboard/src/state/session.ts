import { ref } from 'vue'

/** sessionStorage key of the token typed in: gone when the tab closes, never in a cookie. */
const TOKEN_KEY = 'trackpoint.dashboard.token'

/** sessionStorage can throw (storage disabled); the token then lives in memory only. */
let memoryToken: string | null = null

/** The token of this tab's session, or null before one was typed in. */
export function readToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? memoryToken
  } catch {
    return memoryToken
  }
}

/** Whether a token is set; the login form shows while it is false. */
export const signedIn = ref(readToken() !== null)

/** Keeps `token` for this tab's session. */
export function signIn(token: string): void {
  memoryToken = token
  try {
    sessionStorage.setItem(TOKEN_KEY, token)
  } catch {
    // Memory only: see readToken.
  }
  signedIn.value = true
}

/** Forgets the token. */
export function signOut(): void {
  memoryToken = null
  try {
    sessionStorage.removeItem(TOKEN_KEY)
  } catch {
    // Nothing stored.
  }
  signedIn.value = false
}
