package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sheetio"
)

// maxUploadBody bounds one photo upload. A phone camera's JPEG of a tally
// sheet is 2 to 8 MiB (12 to 50 megapixels); 12 MiB leaves room for the
// largest while staying under actas.MaxEvidenceSize, the store's own bound,
// so that a body the server accepts is never refused by the store. It is
// read whole into memory, so it also bounds what one request can cost.
const maxUploadBody = 12 << 20

// maxUploads bounds the uploads read at once, and so the memory they hold
// (at most maxUploads × maxUploadBody); others wait their turn.
const maxUploads = 8

// uploadResponse is the answer to a photo upload: the name to list in a
// submission's photos, and what the photo's EXIF says (kept as evidence,
// not trusted), when it says anything.
type uploadResponse struct {
	SHA256 string        `json:"sha256"`
	Size   int           `json:"size"`
	Type   string        `json:"type"`
	EXIF   *sheetio.EXIF `json:"exif,omitempty"`
}

// errUnsupportedPhoto is a body whose declared or actual type is not one
// evidence may have.
type errUnsupportedPhoto struct{ msg string }

func (e *errUnsupportedPhoto) Error() string { return e.msg }

// apiUpload stores a photo of a sheet, by content, for a later submission:
// POST /api/v1/elections/{election}/evidence with the raw bytes as body
// and their type as Content-Type. The first upload of some bytes answers
// 201, any later one 200 with the same name, so a retried upload never
// stores twice.
func (s *Server) apiUpload(w http.ResponseWriter, r *http.Request) {
	status, resp, err := s.upload(w, r)
	if err != nil {
		var unsupported *errUnsupportedPhoto
		switch {
		case errors.As(err, &unsupported):
			s.writeJSONError(w, r, http.StatusUnsupportedMediaType, actas.EINVALID, unsupported.msg)
		case isMaxBytes(err):
			s.writeJSONError(w, r, http.StatusRequestEntityTooLarge, actas.EINVALID,
				fmt.Sprintf("the photo is larger than %d MiB: send a smaller one", maxUploadBody>>20))
		default:
			s.writeError(w, r, err)
		}
		return
	}
	w.Header().Set("Location", evidenceURL(r.PathValue("election"), resp.SHA256))
	s.writeJSON(w, r, status, resp)
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request) (int, *uploadResponse, error) {
	a, _, err := s.authenticate(r)
	if err != nil {
		return 0, nil, err
	}
	if err := s.allowWrite(a); err != nil {
		return 0, nil, err
	}
	e, err := s.election(r.Context(), r.PathValue("election"))
	if err != nil {
		return 0, nil, err
	}
	// Decided before the body is read: only those who may submit for
	// some station of the election store files in it.
	if err := authorize(a, actSubmit, e.ID, someTarget(a)); err != nil {
		return 0, nil, err
	}
	declared, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !slices.Contains(actas.EvidenceTypes, declared) {
		return 0, nil, &errUnsupportedPhoto{fmt.Sprintf("send the photo's bytes with its type as Content-Type, one of %v", actas.EvidenceTypes)}
	}
	if r.ContentLength > maxUploadBody {
		return 0, nil, &http.MaxBytesError{Limit: maxUploadBody}
	}
	select {
	case s.uploads <- struct{}{}:
		defer func() { <-s.uploads }()
	case <-r.Context().Done():
		return 0, nil, r.Context().Err()
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxUploadBody))
	if err != nil {
		if isMaxBytes(err) {
			return 0, nil, err
		}
		return 0, nil, actas.Errorf(actas.EINVALID, "the photo was not received whole: %v", err)
	}
	if len(data) == 0 {
		return 0, nil, actas.Errorf(actas.EINVALID, "the body is empty: send the photo's bytes")
	}
	actual, err := actas.EvidenceType(data)
	if err != nil {
		return 0, nil, &errUnsupportedPhoto{actas.ErrorMessage(err)}
	}
	if actual != declared {
		return 0, nil, &errUnsupportedPhoto{fmt.Sprintf("the body was sent as %s but its bytes are %s", declared, actual)}
	}
	sum := sha256.Sum256(data)
	name := hex.EncodeToString(sum[:])
	status := http.StatusOK
	if _, _, err := s.store.Evidence(r.Context(), e.ID, name); actas.ErrorCode(err) == actas.ENOTFOUND {
		status = http.StatusCreated
	} else if err != nil {
		return 0, nil, err
	}
	if status == http.StatusCreated {
		stored, err := s.store.PutEvidence(r.Context(), e.ID, data)
		if err != nil {
			return 0, nil, err
		}
		if stored != name {
			return 0, nil, actas.Errorf(actas.EINTERNAL, "the store named photo sha256:%s as %s", name, stored)
		}
	}
	resp := &uploadResponse{SHA256: name, Size: len(data), Type: actual}
	if actual == "image/jpeg" {
		if x, err := sheetio.ParseEXIF(data); err == nil {
			resp.EXIF = x
		}
	}
	return status, resp, nil
}

// someTarget is a target the account may submit for if it may submit for
// any station of its election: the first of its scope, or none for an
// unscoped role (an admin may; a keyer may not).
func someTarget(a *actas.Account) target {
	if a == nil || len(a.Scope) == 0 {
		return target{}
	}
	switch a.Role {
	case actas.RoleWitness:
		return target{Station: a.Scope[0]}
	case actas.RoleCoordinator:
		return target{Area: a.Scope[0]}
	}
	return target{}
}

// addPhotoEXIF keeps, as the Text of each JPEG photo a submission names,
// what its EXIF says ("exif time=… lat=… lon=…", sheetio.EXIF.Text): read
// from the stored bytes, never taken from the client, and kept as evidence,
// not trusted. Photos without EXIF, or not JPEG, keep no text; a photo not
// stored is left for Submit to refuse by name.
func (s *Server) addPhotoEXIF(r *http.Request, election string, sub *actas.Submission) error {
	for i := range sub.Evidence {
		ev := &sub.Evidence[i]
		if ev.Kind != "photo" || ev.Text != "" {
			continue
		}
		mt, data, err := s.store.Evidence(r.Context(), election, ev.SHA256)
		if actas.ErrorCode(err) == actas.ENOTFOUND {
			continue
		}
		if err != nil {
			return fmt.Errorf("photo sha256:%s: %w", ev.SHA256, err)
		}
		if mt != "image/jpeg" {
			continue
		}
		if x, err := sheetio.ParseEXIF(data); err == nil {
			ev.Text = x.Text()
		}
	}
	return nil
}
