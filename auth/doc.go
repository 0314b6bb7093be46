// Package auth turns credentials into a storage.Principal: logins and
// passwords, sessions and API tokens, S3 access keys; it also stores the
// identities behind them: users, groups, clients (tenants) and connection
// options.
//
// # Storage
//
// Everything lives in the metadata store under the a/ prefix, which this
// package alone reads and writes (see storage/meta/doc.go). Every
// read-modify-write holds Service.mu; every change is one batch.
//
//	key                        value
//	a/u/<login>                user record (JSON): ID, login, names, e-mail, phone, organization, language, role,
//	                           inactive flag, expiry, quota, creation, group IDs, password hash
//	a/i/<user id>              the same record, so that a lookup by ID is one Get too
//	a/k/<access key>           S3 key record (JSON): owner ID and login, secret sealed with AES-256-GCM
//	a/ku/<user id>/<access>    empty: lists a user's keys
//	a/t/<sha-256 of token>     session or API token record (JSON): kind, owner ID, name,
//	                           creation, last use, absolute expiry, idle limit (hex hash)
//	a/tu/<user id>/<hash>      empty: lists a user's tokens
//	a/g/<group id>             group record (JSON): ID, name, member user IDs
//	a/gn/<lower-case name>     group ID
//	a/c/<client id>            client record (JSON): ID, name, root folder, member user IDs
//	a/cn/<lower-case name>     client ID
//	a/o/u/<user id>            a user's connection options (JSON)
//	a/o/g/<group id>           a group's connection options (JSON)
//	a/p/<user id>              the user's profile picture (PNG, JPEG, GIF or WebP bytes, at most 1 MiB)
//
// Logins are folded to lower case and limited to letters, digits and
// ".-_@"; user IDs ("u-" and 32 hex digits), group IDs ("g-…") and client
// IDs ("c-…") are random, checked free when made, and never change, so a
// login can be renamed without touching rights, tokens or keys. New brings
// records of earlier layouts up to date (see upgrade).
//
// # Passwords
//
// Passwords are hashed with Argon2id (RFC 9106) and stored in the PHC string
// format, $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>, with a
// random 16-byte salt and a 32-byte hash. The default parameters are RFC 9106's
// second recommended option, m=64 MiB, t=3, p=4; every stored hash carries its
// own parameters, so raising them later keeps old hashes verifiable. At most
// Options.MaxHashing hashes run at once, so that a burst of logins cannot take
// 64 MiB per request. Verification compares in constant time and hashes a dummy
// password for unknown logins, so the answer takes the same time either way.
//
// A successful verification is remembered in memory for Options.CacheTTL
// (60 s) under an HMAC of the login and password with a random key that
// never leaves the process; a hit also needs the stored hash to be the one
// verified, and a password change, deactivation, rename or deletion drops
// the user's entries. WebDAV clients that send Basic credentials with every
// request thus pay Argon2id about once a minute.
//
// # Tokens
//
// Session and API tokens are 32 random bytes in base64url (43 characters),
// shown once. Only their SHA-256 is stored; a lookup is a Get of that hash,
// so nothing compares a token byte by byte. Sessions end after SessionIdle
// unused and SessionLimit after creation; API tokens after TokenLimit (and
// TokenIdle when set). A password change ends the user's sessions.
//
// # Connection options and brute force
//
// Every authentication path (Login, Authenticate, SecretKey) takes an Origin
// and checks the account (active, not expired) and its connection options:
// the user's own if set, otherwise those of its groups that have options
// (any one allowing suffices). Failed logins are counted in memory per
// account and per address with exponential back-off; see BackoffOptions.
//
// # S3 secrets
//
// AWS Signature V4 needs the plaintext secret key to recompute a signature, so
// secrets cannot be hashed. They are sealed with AES-256-GCM under a key derived
// from the master key with HKDF-SHA-256 (info "coffre/auth/s3-secret/v1"), with
// the access key as additional data so that a sealed secret cannot be moved to
// another key record.
//
// # Audit
//
// Logins, successful or not, are sent to Options.Audit (an *audit.Log) as
// entries of type "login", never with a password; a nil Auditor records
// nothing.
package auth
