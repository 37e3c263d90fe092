package certificate

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ortaq/ortaq/internal/keys"
)

// verifyIndependently is a VC-JWT verifier written from RFC 7515 (compact
// JWS), RFC 8037 (Ed25519 JWK and "EdDSA") and nothing of the signing
// code: split the token, decode the header, require alg EdDSA and no
// critical extensions, take the key from the published JWK (never from
// the token), verify the signature over "header.payload", decode the
// payload.
func verifyIndependently(token string, published map[string]any) (map[string]any, map[string]any, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, nil, errors.New("not a compact JWS")
	}
	b64 := base64.RawURLEncoding
	hb, err := b64.DecodeString(parts[0])
	if err != nil {
		return nil, nil, fmt.Errorf("header: %w", err)
	}
	var header map[string]any
	if err := json.Unmarshal(hb, &header); err != nil {
		return nil, nil, fmt.Errorf("header: %w", err)
	}
	if header["alg"] != "EdDSA" {
		return nil, nil, fmt.Errorf("alg %v", header["alg"])
	}
	if _, ok := header["crit"]; ok {
		return nil, nil, errors.New("critical extensions not understood")
	}
	if published["kty"] != "OKP" || published["crv"] != "Ed25519" {
		return nil, nil, errors.New("the published key is not Ed25519")
	}
	x, err := b64.DecodeString(published["x"].(string))
	if err != nil || len(x) != ed25519.PublicKeySize {
		return nil, nil, fmt.Errorf("published x: %v", err)
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, nil, fmt.Errorf("signature: %v", err)
	}
	if !ed25519.Verify(ed25519.PublicKey(x), []byte(parts[0]+"."+parts[1]), sig) {
		return nil, nil, errors.New("bad signature")
	}
	pb, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, nil, fmt.Errorf("payload: %w", err)
	}
	var payload map[string]any
	if err := json.Unmarshal(pb, &payload); err != nil {
		return nil, nil, fmt.Errorf("payload: %w", err)
	}
	return header, payload, nil
}

// The independent verifier itself accepts RFC 8037's example (A.4) and
// rejects it once changed, so its acceptance below means something.
func TestIndependentVerifierOnRFC8037(t *testing.T) {
	jwk := map[string]any{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
	const token = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
	parts := strings.Split(token, ".")
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if string(hb) != `{"alg":"EdDSA"}` {
		t.Fatal(string(hb))
	}
	x, _ := base64.RawURLEncoding.DecodeString(jwk["x"].(string))
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	if !ed25519.Verify(x, []byte(parts[0]+"."+parts[1]), sig) {
		t.Fatal("RFC 8037 A.4 does not verify")
	}
	// RFC 8037 A.3: the thumbprint of that key.
	if got := Thumbprint(x); got != "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k" {
		t.Fatalf("thumbprint %s", got)
	}
	bad := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte("Example of Ed25519 signinG")) + "." + parts[2]
	if ed25519.Verify(x, []byte(bad[:strings.LastIndexByte(bad, '.')]), sig) {
		t.Fatal("a changed payload verified")
	}
}

func publishedKey(t *testing.T, s *Signer) map[string]any {
	t.Helper()
	b, err := json.Marshal(s.JWKS()) // as /.well-known/jwks.json serves it
	if err != nil {
		t.Fatal(err)
	}
	var set struct{ Keys []map[string]any }
	if err := json.Unmarshal(b, &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("%s %v", b, err)
	}
	return set.Keys[0]
}

func testSigner(t *testing.T) *Signer {
	t.Helper()
	s, err := NewSigner(keys.ForTest(), "https://ortaq.kz")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCredentialVerifiesIndependently(t *testing.T) {
	s := testSigner(t)
	a := sampleAwards()[1] // a diploma, first place
	token, err := s.Issue(a)
	if err != nil {
		t.Fatal(err)
	}
	jwk := publishedKey(t, s)
	header, c, err := verifyIndependently(token, jwk)
	if err != nil {
		t.Fatal(err)
	}
	// The kid is the RFC 7638 thumbprint, computed here from its
	// definition; the header's key is the published one.
	canon := fmt.Sprintf(`{"crv":"Ed25519","kty":"OKP","x":"%s"}`, jwk["x"])
	sum := sha256.Sum256([]byte(canon))
	if kid := base64.RawURLEncoding.EncodeToString(sum[:]); jwk["kid"] != kid || s.KeyID() != kid {
		t.Fatalf("kid %v, want %s", jwk["kid"], kid)
	}
	hk, _ := header["jwk"].(map[string]any)
	if header["typ"] != "JWT" || hk["x"] != jwk["x"] || hk["kid"] != jwk["kid"] || hk["d"] != nil {
		t.Fatalf("header %v", header)
	}

	// What the credential says.
	get := func(path ...string) any {
		var v any = c
		for _, p := range path {
			switch x := v.(type) {
			case map[string]any:
				v = x[p]
			case []any:
				var i int
				fmt.Sscan(p, &i)
				v = x[i]
			}
		}
		return v
	}
	for path, want := range map[string]any{
		"@context.0":  "https://www.w3.org/ns/credentials/v2",
		"type.1":      "OpenBadgeCredential",
		"id":          "https://ortaq.kz/kk/awards/3MZT-8R1P-QW6K",
		"jti":         "https://ortaq.kz/kk/awards/3MZT-8R1P-QW6K",
		"issuer.name": a.Organization.KK,
		"issuer.url":  "https://ortaq.kz/kk/organizations/42",
		"iss":         "https://ortaq.kz/kk/organizations/42",
		"validFrom":   "2026-11-04T10:00:00Z",
		"nbf":         float64(issued.Unix()),
		"credentialSubject.identifier.0.identityHash":   "Гүлназ Қайыржанқызы Өтепова",
		"credentialSubject.identifier.0.identityType":   "name",
		"credentialSubject.identifier.0.hashed":         false,
		"credentialSubject.achievement.name":            a.Title.KK,
		"credentialSubject.achievement.achievementType": "Award",
		"credentialSubject.result.0.value":              "1",
		"credentialSubject.result.0.resultDescription":  "https://ortaq.kz/kk/awards/3MZT-8R1P-QW6K#place",
		"credentialStatus.id":                           "https://ortaq.kz/api/v1/awards/verify/3MZT8R1PQW6K",
		"credentialStatus.type":                         StatusType,
	} {
		parts := strings.Split(path, ".")
		if got := get(parts...); got != want {
			t.Errorf("%s = %#v, want %#v", path, got, want)
		}
	}
	if raw, _ := json.Marshal(c); strings.Count(string(raw), "@") != 1 { // "@context" only: no email
		t.Fatalf("an email may have leaked: %s", raw)
	}
	// And the signer's own verification agrees.
	back, err := s.Verify(token)
	if err != nil {
		t.Fatal(err)
	}
	if back.CredentialSubject.Identifier[0].IdentityHash != a.Recipient {
		t.Fatalf("round trip: %+v", back.CredentialSubject)
	}
}

func TestTamperedCredentialsAreRejected(t *testing.T) {
	s := testSigner(t)
	token, err := s.Issue(sampleAwards()[0])
	if err != nil {
		t.Fatal(err)
	}
	jwk := publishedKey(t, s)
	parts := strings.Split(token, ".")
	b64 := base64.RawURLEncoding
	payload, _ := b64.DecodeString(parts[1])
	header, _ := b64.DecodeString(parts[0])

	other, err := keys.New("another installation's secret, also long enough")
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := NewSigner(other, "https://ortaq.kz")
	if err != nil {
		t.Fatal(err)
	}
	if stranger.KeyID() == s.KeyID() {
		t.Fatal("two secrets gave one key")
	}
	otherToken, err := stranger.Issue(sampleAwards()[0])
	if err != nil {
		t.Fatal(err)
	}
	changedPayload := strings.Replace(string(payload), "Нұрсұлтан", "Нұрлан", 1)
	changedHeader := strings.Replace(string(header), `"typ":"JWT"`, `"typ":"JWT","kid":"x"`, 1)
	if changedHeader == string(header) || changedPayload == string(payload) {
		t.Fatal("the tampering did not change anything")
	}
	for name, bad := range map[string]string{
		"payload":     parts[0] + "." + b64.EncodeToString([]byte(changedPayload)) + "." + parts[2],
		"header":      b64.EncodeToString([]byte(changedHeader)) + "." + parts[1] + "." + parts[2],
		"alg none":    b64.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + ".",
		"other key":   otherToken,
		"truncated":   parts[0] + "." + parts[1],
		"signature":   parts[0] + "." + parts[1] + "." + b64.EncodeToString(make([]byte, 64)),
		"swapped sig": parts[0] + "." + parts[1] + "." + strings.Split(otherToken, ".")[2],
	} {
		if _, _, err := verifyIndependently(bad, jwk); err == nil {
			t.Errorf("%s: the independent verifier accepted it", name)
		}
		if _, err := s.Verify(bad); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: Verify gave %v", name, err)
		}
	}
	// The untouched token still passes both (the tampering is what fails).
	if _, _, err := verifyIndependently(token, jwk); err != nil {
		t.Fatal(err)
	}
}

// Every node with the installation's secret signs with the same key.
func TestSigningKeyComesFromTheSecret(t *testing.T) {
	a, b := testSigner(t), testSigner(t)
	if a.KeyID() != b.KeyID() || !a.PublicKey().Equal(b.PublicKey()) {
		t.Fatal("the same secret gave two keys")
	}
	want := ed25519.NewKeyFromSeed(keys.ForTest().Derive("credential-signing")).Public().(ed25519.PublicKey)
	if !a.PublicKey().Equal(want) {
		t.Fatal("the key is not Ed25519 from Derive(\"credential-signing\")")
	}
	if a.JWKSURL() != "https://ortaq.kz/.well-known/jwks.json" {
		t.Fatal(a.JWKSURL())
	}
	if _, err := NewSigner(keys.ForTest(), ""); err == nil {
		t.Fatal("no base accepted")
	}
}

// TestWriteCredentialSample writes a sample credential (JSON and token)
// into $CERT_SAMPLES, for docs/decisions/0101-certificates.md.
func TestWriteCredentialSample(t *testing.T) {
	dir := os.Getenv("CERT_SAMPLES")
	if dir == "" {
		t.Skip("set CERT_SAMPLES to a folder to write a sample credential")
	}
	s := testSigner(t)
	c, err := s.Credential(sampleAwards()[1])
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	token, err := s.Sign(c)
	if err != nil {
		t.Fatal(err)
	}
	jwks, _ := json.MarshalIndent(s.JWKS(), "", "  ")
	for name, data := range map[string][]byte{"credential.json": b, "credential.jwt": []byte(token), "jwks.json": jwks} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
