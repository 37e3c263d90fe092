package certificate

import (
	"crypto"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// SigningPurpose is the label under which the signing key is derived from
// the installation's secret (internal/keys): every node with the same
// secret signs with the same key, and the key never enters the database.
const SigningPurpose = "credential-signing"

// KeySource derives purpose-bound 32-byte keys; *keys.Keys is one.
type KeySource interface {
	Derive(purpose string) []byte
}

// JWKSPath is where the public keys are published, relative to the site's
// base address.
const JWKSPath = "/.well-known/jwks.json"

// Signer signs awards as Open Badges 3.0 credentials (VC-JWT, EdDSA).
type Signer struct {
	base string
	priv ed25519.PrivateKey
	pub  ed25519.PublicKey
	kid  string
}

// NewSigner makes the installation's signer from its keys; base is the
// site's public address ("https://ortaq.kz"), which credentials name.
func NewSigner(k KeySource, base string) (*Signer, error) {
	seed := k.Derive(SigningPurpose)
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("certificate: a %d-byte signing seed, want %d", len(seed), ed25519.SeedSize)
	}
	if base == "" {
		return nil, errors.New("certificate: the site's base address is needed")
	}
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	return &Signer{base: strings.TrimRight(base, "/"), priv: priv, pub: pub, kid: Thumbprint(pub)}, nil
}

// Thumbprint is the RFC 7638 thumbprint of an Ed25519 public key
// (SHA-256 over {"crv","kty","x"}), base64url: the key's "kid".
func Thumbprint(pub ed25519.PublicKey) string {
	k := jose.JSONWebKey{Key: pub}
	t, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		panic(err) // only for key types other than Ed25519
	}
	return base64.RawURLEncoding.EncodeToString(t)
}

// KeyID is the signing key's thumbprint.
func (s *Signer) KeyID() string { return s.kid }

// PublicKey returns the public key.
func (s *Signer) PublicKey() ed25519.PublicKey { return s.pub }

// JWK is a public key as RFC 7517/8037 write it.
type JWK struct {
	Kty string `json:"kty"` // "OKP"
	Crv string `json:"crv"` // "Ed25519"
	X   string `json:"x"`   // the public key, base64url
	Kid string `json:"kid"`
	Use string `json:"use"` // "sig"
	Alg string `json:"alg"` // "EdDSA"
}

// JWKSet is what JWKSPath serves.
type JWKSet struct {
	Keys []JWK `json:"keys"`
}

// PublicJWK is the signing key as a JWK.
func (s *Signer) PublicJWK() JWK {
	return JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(s.pub), Kid: s.kid, Use: "sig", Alg: "EdDSA"}
}

// JWKS is the set published at JWKSPath: today the one key. When the
// installation's secret is replaced, the old public key should stay listed
// (from configuration) so that credentials issued before still verify.
func (s *Signer) JWKS() JWKSet { return JWKSet{Keys: []JWK{s.PublicJWK()}} }

// JWKSURL is the address of the published keys.
func (s *Signer) JWKSURL() string { return s.base + JWKSPath }

// The credential, as JSON. Field order is the order written.

// Credential is an OpenBadgeCredential (Open Badges 3.0 on the W3C
// Verifiable Credentials Data Model 2.0) with the JWT claims that VC-JWT
// adds beside it.
type Credential struct {
	Context           []string          `json:"@context"`
	ID                string            `json:"id"`
	Type              []string          `json:"type"`
	Issuer            Profile           `json:"issuer"`
	ValidFrom         string            `json:"validFrom"`
	Name              string            `json:"name"`
	Description       string            `json:"description,omitempty"`
	CredentialSubject AchievementSubj   `json:"credentialSubject"`
	CredentialStatus  *CredentialStatus `json:"credentialStatus,omitempty"`
	CredentialSchema  []Schema          `json:"credentialSchema"`
	// JWT registered claims (RFC 7519), as VC-JWT asks.
	Iss string `json:"iss"` // = Issuer.ID
	Jti string `json:"jti"` // = ID
	Nbf int64  `json:"nbf"` // = ValidFrom, in seconds
}

// Profile is the issuer.
type Profile struct {
	ID   string   `json:"id"`
	Type []string `json:"type"`
	Name string   `json:"name"`
	URL  string   `json:"url,omitempty"`
}

// AchievementSubj is the recipient: named, never by email (OB3's
// IdentityObject with identityType "name", not hashed).
type AchievementSubj struct {
	Type        []string         `json:"type"`
	Identifier  []IdentityObject `json:"identifier"`
	Achievement Achievement      `json:"achievement"`
	Result      []Result         `json:"result,omitempty"`
}

// IdentityObject identifies the recipient.
type IdentityObject struct {
	Type         string `json:"type"`
	IdentityHash string `json:"identityHash"`
	IdentityType string `json:"identityType"`
	Hashed       bool   `json:"hashed"`
}

// Achievement is what was recognised.
type Achievement struct {
	ID                string              `json:"id"`
	Type              []string            `json:"type"`
	AchievementType   string              `json:"achievementType"`
	Name              string              `json:"name"`
	Description       string              `json:"description"`
	Criteria          Criteria            `json:"criteria"`
	InLanguage        string              `json:"inLanguage"`
	ResultDescription []ResultDescription `json:"resultDescription,omitempty"`
}

// Criteria says what earned it.
type Criteria struct {
	Narrative string `json:"narrative"`
}

// ResultDescription describes the place of a diploma.
type ResultDescription struct {
	ID         string   `json:"id"`
	Type       []string `json:"type"`
	Name       string   `json:"name"`
	ResultType string   `json:"resultType"`
}

// Result is the place achieved.
type Result struct {
	Type              []string `json:"type"`
	ResultDescription string   `json:"resultDescription"`
	Value             string   `json:"value"`
}

// CredentialStatus points the verifier at the verification API, which
// says whether the award has been revoked.
type CredentialStatus struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// StatusType is the credentialStatus type: GET the status id and read
// "revoked" (false and "valid": true while the award stands).
const StatusType = "OrtaqAwardVerification"

// Schema is a credentialSchema entry.
type Schema struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

var achievementTypes = map[Kind]string{Certificate: "Certificate", Diploma: "Award", Thanks: "Achievement"}

// Credential builds the credential of an award. The Kazakh title names it
// (Russian, then English, when there is none); the description carries
// the other languages.
func (s *Signer) Credential(a Award) (*Credential, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	if a.OrganizationURL == "" {
		return nil, fmt.Errorf("certificate: award %s: the issuing organization's address is needed", a.Code)
	}
	pageURL := VerifyURL(s.base, "kk", a.Code)
	name := a.Title.In("kk", true)
	var others []string
	for _, l := range []string{"ru", "en"} {
		if t := a.Title.In(l, false); t != "" && t != name {
			others = append(others, t)
		}
	}
	org := a.Organization.In("kk", true)
	ach := Achievement{
		ID:              pageURL + "#achievement",
		Type:            []string{"Achievement"},
		AchievementType: achievementTypes[a.Kind],
		Name:            name,
		Description:     strings.Join(append([]string{wording["kk"].kind[a.Kind] + ": " + name}, others...), " / "),
		Criteria:        Criteria{Narrative: fmt.Sprintf("%s / %s: %s (%s)", wording["kk"].kind[a.Kind], wording["en"].kind[a.Kind], name, org)},
		InLanguage:      "kk",
	}
	subj := AchievementSubj{
		Type:        []string{"AchievementSubject"},
		Identifier:  []IdentityObject{{Type: "IdentityObject", IdentityHash: a.Recipient, IdentityType: "name", Hashed: false}},
		Achievement: ach,
	}
	if a.Place > 0 {
		rd := pageURL + "#place"
		subj.Achievement.ResultDescription = []ResultDescription{{ID: rd, Type: []string{"ResultDescription"}, Name: "Place", ResultType: "ext:Place"}}
		subj.Result = []Result{{Type: []string{"Result"}, ResultDescription: rd, Value: strconv.Itoa(a.Place)}}
	}
	valid := a.IssuedAt.UTC().Truncate(time.Second)
	c := &Credential{
		Context:           []string{"https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"},
		ID:                pageURL,
		Type:              []string{"VerifiableCredential", "OpenBadgeCredential"},
		Issuer:            Profile{ID: a.OrganizationURL, Type: []string{"Profile"}, Name: org, URL: a.OrganizationURL},
		ValidFrom:         valid.Format(time.RFC3339),
		Name:              wording["kk"].kind[a.Kind] + ": " + name,
		CredentialSubject: subj,
		CredentialStatus:  &CredentialStatus{ID: s.base + "/api/v1/awards/verify/" + a.Code, Type: StatusType},
		CredentialSchema: []Schema{{ID: "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
			Type: "1EdTechJsonSchemaValidator2019"}},
		Iss: a.OrganizationURL,
		Jti: pageURL,
		Nbf: valid.Unix(),
	}
	if a.Place > 0 {
		c.Description = fmt.Sprintf("%s, %s", wording["kk"].place(a.Place), wording["en"].place(a.Place))
	}
	return c, nil
}

// Sign returns the credential as a compact JWS (VC-JWT): header
// {"alg":"EdDSA","jwk":{…the public key and its kid…},"typ":"JWT"}, the
// credential as payload. The header carries the key so that Open Badges
// verifiers can check the signature; whether the key is the issuer's they
// learn from JWKSURL, which must list a key with the same kid.
func (s *Signer) Sign(c *Credential) (string, error) {
	payload, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("certificate: %w", err)
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: jose.JSONWebKey{Key: s.priv, KeyID: s.kid, Algorithm: string(jose.EdDSA), Use: "sig"}},
		(&jose.SignerOptions{EmbedJWK: true}).WithType("JWT"))
	if err != nil {
		return "", fmt.Errorf("certificate: %w", err)
	}
	jws, err := sig.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("certificate: %w", err)
	}
	return jws.CompactSerialize()
}

// Issue builds and signs the credential of an award: what GET
// /api/v1/awards/{code}/credential returns (as application/vc+jwt, or
// wrapped in JSON).
func (s *Signer) Issue(a Award) (string, error) {
	c, err := s.Credential(a)
	if err != nil {
		return "", err
	}
	return s.Sign(c)
}

// ErrSignature is returned for a token this installation did not sign, or
// that was changed after signing.
var ErrSignature = errors.New("certificate: the credential's signature does not verify")

// Verify checks a token against this installation's key (never a key the
// token brings) and returns its credential. It does not check revocation:
// that is the verification API's answer, by code.
func (s *Signer) Verify(token string) (*Credential, error) {
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	if len(jws.Signatures) != 1 {
		return nil, ErrSignature
	}
	payload, err := jws.Verify(s.pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	var c Credential
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, fmt.Errorf("certificate: credential: %w", err)
	}
	return &c, nil
}
