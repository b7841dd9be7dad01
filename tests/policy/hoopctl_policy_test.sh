#!/bin/sh
# hoopctl policy check / policy test / sql classify answer as documented.
# Usage: hoopctl_policy_test.sh HOOPCTL POLICY_YAML
set -u
H=$1
P=$2
fail=0
expect() {  # expect RC command...
  want=$1; shift
  "$@" > /tmp/hoopctl_policy_test.$$ 2>&1
  rc=$?
  if [ "$rc" != "$want" ]; then
    echo "FAIL (rc $rc, want $want): $*"; cat /tmp/hoopctl_policy_test.$$; fail=1
  fi
}
expect 0 "$H" policy check "$P"
printf 'version: hoop.policy/v1\nrules:\n  - id: a\n    verdict: nope\n' > /tmp/hoopctl_bad.$$.yaml
expect 1 "$H" policy check /tmp/hoopctl_bad.$$.yaml
grep -q "hoopctl_bad.$$.yaml:4:14: rules\[0\].verdict" /tmp/hoopctl_policy_test.$$ || { echo "FAIL: error lacks file:line:col"; fail=1; }
expect 0 "$H" policy test --policy "$P" --identity ann --groups analysts --resource warehouse-eu --sql "SELECT * FROM sales"
expect 3 "$H" policy test --policy "$P" --identity ann --groups analysts --resource warehouse-eu --sql "UPDATE sales SET a = 1 WHERE id = 2"
expect 4 "$H" policy test --policy "$P" --identity ann --groups analysts --resource warehouse-eu --sql "SELECT 1; DELETE FROM sales" --json
grep -q '"rule": "no-unbounded-writes"' /tmp/hoopctl_policy_test.$$ || { echo "FAIL: json lacks rule"; fail=1; }
grep -q '"effect": "write"' /tmp/hoopctl_policy_test.$$ || { echo "FAIL: json lacks classification"; fail=1; }
expect 4 "$H" policy test --policy "$P" --identity olga --groups ops --resource web-1 --command "ls; rm -rf /"
expect 0 "$H" policy test --policy "$P" --identity olga --groups ops --resource web-1 --command "journalctl -u x | grep err"
expect 3 "$H" policy test --policy "$P" --identity dan --groups dev --resource k8s --kubernetes --http "POST /api/v1/namespaces/dev-a/pods/p/exec"
expect 0 "$H" policy test --policy "$P" --identity ann@example.com --email ann@example.com --resource api --http "GET /v1/items"
expect 1 "$H" policy test --policy "$P" --resource x --sql "SELECT 1"
# A token minted with the openssl command line, verified against its JWKS.
if command -v openssl > /dev/null && command -v basenc > /dev/null && command -v xxd > /dev/null; then
  T=/tmp/hoopctl_token.$$
  mkdir -p $T
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out $T/key.pem 2> /dev/null
  b64u() { basenc --base64url -w0 | tr -d '='; }
  n=$(openssl rsa -in $T/key.pem -noout -modulus 2> /dev/null | sed 's/Modulus=//' | xxd -r -p | b64u)
  printf '{"keys":[{"kty":"RSA","kid":"k1","use":"sig","n":"%s","e":"AQAB"}]}' "$n" > $T/jwks.json
  header=$(printf '{"alg":"RS256","kid":"k1"}' | b64u)
  claims=$(printf '{"iss":"https://idp","aud":"hoop","sub":"ann","email":"ann@example.com","groups":["analysts"],"exp":1800000600,"iat":1800000000}' | b64u)
  sig=$(printf '%s.%s' "$header" "$claims" | openssl dgst -sha256 -sign $T/key.pem | b64u)
  tok="$header.$claims.$sig"
  expect 0 "$H" policy test --policy "$P" --token "$tok" --jwks $T/jwks.json --issuer https://idp --audience hoop --time 2027-01-15T08:00:00Z --resource warehouse-eu --sql "SELECT 1"
  expect 1 "$H" policy test --policy "$P" --token "$tok" --jwks $T/jwks.json --issuer https://idp --audience hoop --time 2027-01-16T08:00:00Z --resource warehouse-eu --sql "SELECT 1"
  grep -q "expired" /tmp/hoopctl_policy_test.$$ || { echo "FAIL: expired token"; fail=1; }
  expect 1 "$H" policy test --policy "$P" --token "$tok" --jwks $T/jwks.json --issuer https://other --audience hoop --time 2027-01-15T08:00:00Z --resource warehouse-eu --sql "SELECT 1"
  grep -q "wrong_issuer" /tmp/hoopctl_policy_test.$$ || { echo "FAIL: wrong issuer"; fail=1; }
  rm -rf $T
fi
echo "SELECT 1; UPDATE t SET a = 1" | "$H" sql classify > /tmp/hoopctl_policy_test.$$ 2>&1
[ "$(wc -l < /tmp/hoopctl_policy_test.$$)" = 2 ] || { echo "FAIL: sql classify lines"; fail=1; }
grep -q '"flags":\["no_where"\]' /tmp/hoopctl_policy_test.$$ || { echo "FAIL: sql classify flags"; cat /tmp/hoopctl_policy_test.$$; fail=1; }
rm -f /tmp/hoopctl_policy_test.$$ /tmp/hoopctl_bad.$$.yaml
exit $fail
