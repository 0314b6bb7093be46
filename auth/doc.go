// Package auth turns credentials into a storage.Principal: logins and
// passwords, S3 access keys and (later) sessions, API tokens and SigV4.
//
// # Storage
//
// Users and keys live in the metadata store under the a/ prefix, which this
// package alone reads and writes (see storage/meta/doc.go):
//
//	key                  value
//	a/u/<login>          user record (JSON): ID, login, role, password hash, creation time
//	a/k/<access key>     S3 key record (JSON): owner login, secret sealed with AES-256-GCM
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
// # S3 secrets
//
// AWS Signature V4 needs the plaintext secret key to recompute a signature, so
// secrets cannot be hashed. They are sealed with AES-256-GCM under a key derived
// from the master key with HKDF-SHA-256 (info "coffre/auth/s3-secret/v1"), with
// the access key as additional data so that a sealed secret cannot be moved to
// another key record.
package auth
