# Sourced by the bench scripts: a caller identity made for one run.
#   caller_token DIR NAME TENANT
# writes DIR/key.pem, DIR/jwks.json (the public key, for GRAPH_MAILER_CALLER_AUTH_JWKS_URL) and DIR/auth.cfg (a curl
# config line with one signed app token, valid 1 h, role GraphMailer.Send), and sets CALLER_ISSUER and CALLER_AUDIENCE.
# The token carries TENANT as tid: graph-mailer refuses a caller token of another tenant, or of none.
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
caller_token() {
    local dir=$1 name=$2 tenant=$3 modulus iat head body sig
    mkdir -p "$dir"
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/key.pem" 2>/dev/null
    modulus=$(openssl rsa -in "$dir/key.pem" -noout -modulus | cut -d= -f2 | xxd -r -p | b64url)
    printf '{"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid":"%s-caller","n":"%s","e":"AQAB"}]}' "$name" "$modulus" \
        >"$dir/jwks.json"
    CALLER_ISSUER=https://$name-issuer.localhost/v2.0
    CALLER_AUDIENCE=api://graph-mailer-$name
    iat=$(date +%s)
    head=$(printf '{"alg":"RS256","typ":"JWT","kid":"%s-caller"}' "$name" | b64url)
    body=$(printf '{"iss":"%s","aud":"%s","tid":"%s","sub":"%s","azp":"%s","idtyp":"app","iat":%d,"nbf":%d,"exp":%d,"roles":["GraphMailer.Send"]}' \
        "$CALLER_ISSUER" "$CALLER_AUDIENCE" "$tenant" "$name" "$name" "$iat" "$iat" $((iat + 3600)) | b64url)
    sig=$(printf '%s.%s' "$head" "$body" | openssl dgst -sha256 -sign "$dir/key.pem" -binary | b64url)
    printf 'header = "Authorization: Bearer %s.%s.%s"\n' "$head" "$body" "$sig" >"$dir/auth.cfg"
}
