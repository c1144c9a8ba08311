import { describe, expect, it } from 'vitest'
import { FORBIDDEN_KEY_PATTERN, isForbiddenKey } from '../forbiddenKeys'
import { findForbiddenKeys } from '../findForbiddenKeys'

describe('isForbiddenKey', () => {
  it.each([
    'password',
    'passwd',
    'userPassword',
    'PASSWORD',
    'pwd',
    'user_pwd',
    'passcode',
    'passphrase',
    'private_key',
    'privateKey',
    'PRIVATE_KEY',
    'private-key',
    'privkey',
    'wallet_mnemonic',
    'mnemonicWords',
    'seed_phrase',
    'seedPhrase',
    'recovery_phrase',
    'secret',
    'client_secret',
    'secretKey',
    'api_key',
    'apiKey',
    'access_token',
    'refreshToken',
    'credit_card',
    'creditCardNumber',
    'card_number',
    'cvv',
    'card_cvc',
    'ssn',
    'user_ssn',
    'userSsn',
    'userSSN',
    'SSN',
    'pin_code',
    'id_card',
    'idCardNo',
    'passport_number',
  ])('flags %s as sensitive', (key) => {
    expect(isForbiddenKey(key)).toBe(true)
  })

  it.each([
    'seed',
    'seed_round',
    'random_seed',
    'key',
    'public_key',
    'keyword',
    'token',
    'token_address',
    'token_symbol',
    'session_id',
    'secretary',
    'secretary_name',
    'className',
    'classname',
    'business_name',
    'addressNumber',
    'bypass_cache',
    'passenger_count',
    'compass',
    'card_id',
    'paid_card',
    'delivery_id',
    'page_name',
    'element_text',
  ])('does not flag %s', (key) => {
    expect(isForbiddenKey(key)).toBe(false)
  })

  it('matches raw keys with the exported pattern alone', () => {
    expect(FORBIDDEN_KEY_PATTERN.test('privateKey')).toBe(true)
    expect(FORBIDDEN_KEY_PATTERN.test('user_ssn')).toBe(true)
    expect(FORBIDDEN_KEY_PATTERN.test('className')).toBe(false)
  })

  it('uses a custom pattern, also on camelCase words split by underscores', () => {
    const pattern = /(?:^|_)email(?:_|$)/i
    expect(isForbiddenKey('email', pattern)).toBe(true)
    expect(isForbiddenKey('userEmail', pattern)).toBe(true)
    expect(isForbiddenKey('password', pattern)).toBe(false)
  })

  it('gives the same answer every time with a global pattern', () => {
    const pattern = /secret/gi
    expect([1, 2, 3].map(() => isForbiddenKey('secret', pattern))).toEqual([true, true, true])
  })
})

describe('findForbiddenKeys', () => {
  it('finds the same keys however many distinct keys came before (its verdict cache is bounded)', () => {
    const many = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`field_${i}`, i]))
    expect(findForbiddenKeys(many)).toEqual([])
    for (let round = 0; round < 2; round++) {
      const event = { properties: { userPassword: 'x', wallet: { seedPhrase: 'y', chain: 1 } } }
      expect(findForbiddenKeys(event)).toEqual([
        'properties.userPassword',
        'properties.wallet.seedPhrase',
      ])
      expect(findForbiddenKeys(many)).toEqual([])
    }
  })
})
