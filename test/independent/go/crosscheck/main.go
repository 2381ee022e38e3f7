// Command crosscheck verifies Ataa's transparency log with an implementation that shares no code
// with it: Go's golang.org/x/mod/sumdb/note (signed notes, Ed25519 verifier keys) and
// golang.org/x/mod/sumdb/tlog (RFC 6962/9162 Merkle proofs), from Debian's golang-golang-x-mod-dev,
// plus a C2SP tlog-cosignature (cosignature/v1, key type 0x04) note.Verifier written here on
// crypto/ed25519, since x/mod 0.7.0 knows only the checkpoint key type.
//
// Input: a JSON file (see input below) with what the test fetched from the API over HTTP. Every
// check prints an "ok" line; the first failure prints "FAIL: ..." and exits 1 (2 for bad input).
//
// Built in GOPATH mode against /usr/share/gocode (no module download):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o crosscheck .
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type input struct {
	// Origin line the checkpoint must carry (the campaign's log).
	Origin string `json:"origin"`
	// The log's verifier key, Go note format: name+hash+base64(0x01 || Ed25519 key).
	LogKey string `json:"logKey"`
	// The signed checkpoint (C2SP tlog-checkpoint in a signed note), with any cosignatures.
	Checkpoint string `json:"checkpoint"`
	// Inclusion proofs of leaves in the checkpoint's tree.
	Inclusion []struct {
		Index    int64    `json:"index"`
		LeafHash string   `json:"leafHash"` // hex
		Proof    []string `json:"proof"`    // base64 hashes
	} `json:"inclusion"`
	// Consistency proofs from an older signed checkpoint to this one.
	Consistency []struct {
		OldCheckpoint string   `json:"oldCheckpoint"`
		Proof         []string `json:"proof"`
	} `json:"consistency"`
	// Witnesses (C2SP vkeys: name+keyID+base64(0x04 || Ed25519 key)) and how many must have cosigned.
	Cosigners []string `json:"cosigners"`
	Quorum    int      `json:"quorum"`
	// Optional: the same log read from its C2SP tlog-tiles (tiles.go).
	Tiles *tilesInput `json:"tiles,omitempty"`
}

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: crosscheck <input.json>")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var in input
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, "bad input:", err)
		os.Exit(2)
	}
	if err := run(&in); err != nil {
		fmt.Println("FAIL:", err)
		os.Exit(1)
	}
	fmt.Println("ALL OK")
}

func run(in *input) error {
	logVerifier, err := note.NewVerifier(in.LogKey)
	if err != nil {
		return fmt.Errorf("log key: %v", err)
	}
	cosigners := make([]*cosignatureV1Verifier, 0, len(in.Cosigners))
	verifiers := []note.Verifier{logVerifier}
	for _, vkey := range in.Cosigners {
		v, err := newCosignatureV1Verifier(vkey)
		if err != nil {
			return fmt.Errorf("cosigner key %q: %v", vkey, err)
		}
		cosigners = append(cosigners, v)
		verifiers = append(verifiers, v)
	}

	// 1. The checkpoint: the log's signature (and every known cosigner's, which must verify if present).
	n, err := note.Open([]byte(in.Checkpoint), note.VerifierList(verifiers...))
	if err != nil {
		return fmt.Errorf("checkpoint: %v", err)
	}
	if !signedBy(n, logVerifier) {
		return errors.New("checkpoint: not signed by the log key")
	}
	cp, err := parseCheckpoint(n.Text)
	if err != nil {
		return err
	}
	if cp.origin != in.Origin {
		return fmt.Errorf("checkpoint: origin %q, want %q", cp.origin, in.Origin)
	}
	fmt.Printf("ok  checkpoint %s size %d root %s signed by %s\n", cp.origin, cp.size, cp.root, logVerifier.Name())

	// 2. Inclusion proofs against the signed root.
	for _, p := range in.Inclusion {
		leaf, err := hexHash(p.LeafHash)
		if err != nil {
			return fmt.Errorf("inclusion of %d: leaf hash: %v", p.Index, err)
		}
		proof, err := hashes(p.Proof)
		if err != nil {
			return fmt.Errorf("inclusion of %d: %v", p.Index, err)
		}
		if err := tlog.CheckRecord(tlog.RecordProof(proof), cp.size, cp.root, p.Index, leaf); err != nil {
			return fmt.Errorf("inclusion of leaf %d in tree %d: %v", p.Index, cp.size, err)
		}
		fmt.Printf("ok  inclusion of leaf %d in the tree of size %d\n", p.Index, cp.size)
	}

	// 3. Consistency proofs from older signed checkpoints.
	var older []checkpoint
	for _, c := range in.Consistency {
		old, err := note.Open([]byte(c.OldCheckpoint), note.VerifierList(logVerifier))
		if err != nil {
			return fmt.Errorf("older checkpoint: %v", err)
		}
		oc, err := parseCheckpoint(old.Text)
		if err != nil {
			return fmt.Errorf("older %v", err)
		}
		if oc.origin != cp.origin {
			return fmt.Errorf("older checkpoint is for %q", oc.origin)
		}
		proof, err := hashes(c.Proof)
		if err != nil {
			return fmt.Errorf("consistency from %d: %v", oc.size, err)
		}
		if err := tlog.CheckTree(tlog.TreeProof(proof), cp.size, cp.root, oc.size, oc.root); err != nil {
			return fmt.Errorf("consistency from size %d to %d: %v", oc.size, cp.size, err)
		}
		fmt.Printf("ok  consistency from size %d to %d\n", oc.size, cp.size)
		older = append(older, oc)
	}

	// 4. Cosignatures: note.Open verified every line of a known cosigner; count who signed.
	count := 0
	for _, v := range cosigners {
		if !signedBy(n, v) {
			fmt.Printf("--  no cosignature by %s\n", v.name)
			continue
		}
		count++
		fmt.Printf("ok  cosignature by %s at %d\n", v.name, v.time)
	}
	if count < in.Quorum {
		return fmt.Errorf("cosignatures: %d of the %d required", count, in.Quorum)
	}

	// 5. Hash tiles, when a tiles prefix is given.
	if in.Tiles != nil {
		return checkTiles(in.Tiles, logVerifier, cp, older)
	}
	return nil
}

func signedBy(n *note.Note, v note.Verifier) bool {
	for _, s := range n.Sigs {
		if s.Name == v.Name() && s.Hash == v.KeyHash() {
			return true
		}
	}
	return false
}

// parseCheckpoint reads a C2SP tlog-checkpoint body: origin, decimal size, base64 root, extensions.
func parseCheckpoint(text string) (checkpoint, error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 || lines[0] == "" {
		return checkpoint{}, errors.New("checkpoint: malformed body")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return checkpoint{}, fmt.Errorf("checkpoint: bad size %q", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return checkpoint{}, fmt.Errorf("checkpoint: bad root hash %q", lines[2])
	}
	var h tlog.Hash
	copy(h[:], root)
	return checkpoint{origin: lines[0], size: size, root: h}, nil
}

func hexHash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != tlog.HashSize {
		return h, fmt.Errorf("not a hex SHA-256 hash: %q", s)
	}
	copy(h[:], b)
	return h, nil
}

func hashes(list []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) != tlog.HashSize {
			return nil, fmt.Errorf("proof hash %d is not a base64 SHA-256 hash", i)
		}
		copy(out[i][:], b)
	}
	return out, nil
}

// cosignatureV1Verifier is a note.Verifier for C2SP tlog-cosignature: the signature after the key
// ID is a big-endian uint64 timestamp and an Ed25519 signature over
// "cosignature/v1\ntime <timestamp>\n" followed by the note text.
type cosignatureV1Verifier struct {
	name string
	hash uint32
	key  ed25519.PublicKey
	time uint64 // of the last signature that verified
}

const cosignatureV1Type = 0x04

func newCosignatureV1Verifier(vkey string) (*cosignatureV1Verifier, error) {
	// name+keyID+key: the name has no "+", the base64 key may.
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 || parts[0] == "" || strings.ContainsAny(parts[0], " \t\n") || len(parts[1]) != 8 {
		return nil, errors.New("malformed vkey")
	}
	id, err := strconv.ParseUint(parts[1], 16, 32)
	if err != nil {
		return nil, errors.New("malformed key ID")
	}
	blob, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(blob) != 1+ed25519.PublicKeySize || blob[0] != cosignatureV1Type {
		return nil, errors.New("not an Ed25519 cosignature/v1 key (type 0x04)")
	}
	sum := sha256.Sum256(append(append([]byte(parts[0]), '\n'), blob...))
	if binary.BigEndian.Uint32(sum[:4]) != uint32(id) {
		return nil, errors.New("key ID does not match the key")
	}
	return &cosignatureV1Verifier{name: parts[0], hash: uint32(id), key: ed25519.PublicKey(blob[1:])}, nil
}

func (v *cosignatureV1Verifier) Name() string    { return v.name }
func (v *cosignatureV1Verifier) KeyHash() uint32 { return v.hash }
func (v *cosignatureV1Verifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	if t > math.MaxInt64 {
		return false
	}
	signed := append([]byte(fmt.Sprintf("cosignature/v1\ntime %d\n", t)), msg...)
	if !ed25519.Verify(v.key, signed, sig[8:]) {
		return false
	}
	v.time = t
	return true
}
