package auth

import (
	"strings"
	"testing"
)

func TestPasswordHashFormat(t *testing.T) {
	h, err := hashPassword("pw", Argon2Params{Memory: 64, Time: 2, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=2,p=1$") {
		t.Fatalf("hash %q is not a PHC Argon2id string", h)
	}
	p, err := parsePHC(h)
	if err != nil || len(p.salt) != saltLen || len(p.sum) != hashLen {
		t.Fatalf("parsePHC = %+v, %v", p, err)
	}
	h2, _ := hashPassword("pw", Argon2Params{Memory: 64, Time: 2, Threads: 1})
	if h == h2 {
		t.Fatal("two hashes of one password share a salt")
	}
}

func TestCheckPasswordUsesStoredParams(t *testing.T) {
	// A hash made with other parameters than the service's still verifies.
	h, err := hashPassword("secret", Argon2Params{Memory: 128, Time: 1, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	for pw, want := range map[string]bool{"secret": true, "Secret": false, "": false} {
		ok, err := checkPassword(pw, h)
		if err != nil || ok != want {
			t.Errorf("checkPassword(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
}

func TestParsePHCRejectsMalformed(t *testing.T) {
	for _, s := range []string{
		"",
		"plain",
		"$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=16$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=0,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$c2hvcnQ",
	} {
		if _, err := parsePHC(s); err == nil {
			t.Errorf("parsePHC(%q) accepted", s)
		}
	}
}

func TestRandomString(t *testing.T) {
	s := randomString(accessAlphabet, 1000)
	if len(s) != 1000 || strings.Trim(s, accessAlphabet) != "" {
		t.Fatalf("randomString produced %q", s)
	}
	if randomString(secretAlphabet, 40) == randomString(secretAlphabet, 40) {
		t.Fatal("randomString repeats")
	}
}

func TestDefaultParamsRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MiB hash")
	}
	h, err := hashPassword("pw", DefaultArgon2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=4$") {
		t.Fatal(h)
	}
	if ok, err := checkPassword("pw", h); !ok || err != nil {
		t.Fatal(ok, err)
	}
}
