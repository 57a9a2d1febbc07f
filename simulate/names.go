package simulate

import (
	"math/rand/v2"
	"strconv"
)

// Word lists for synthetic place names. They read like the geography of a
// Spanish-speaking country (accents included) but name no real place on
// purpose: a simulated result must never be mistaken for a real one.
var (
	givenMale = []string{"José", "Juan", "Pedro", "Pablo", "Antonio", "Francisco", "Rafael", "Miguel",
		"Carlos", "Luis", "Simón", "Andrés", "Sebastián", "Cristóbal", "Agustín", "Martín", "Joaquín",
		"Ramón", "Fernando", "Diego", "Bartolomé", "Ignacio", "Jerónimo", "Gregorio", "Julián"}
	givenFemale = []string{"Lucía", "Ana", "Rosa", "Teresa", "Bárbara", "Inés", "Clara", "Isabel",
		"Mónica", "Rita", "Elena", "Catalina", "Mercedes", "Josefa", "Cecilia", "Águeda", "Rosalía"}
	surnames = []string{"Rodríguez", "Urdaneta", "Arismendi", "Ribas", "Bermúdez", "Montes", "Andrade",
		"Peña", "Gómez", "Pérez", "Muñoz", "Díaz", "Álvarez", "Hernández", "Castillo", "Briceño", "Salas",
		"Mendoza", "Guzmán", "Ortega", "Quintero", "Carrillo", "Ibáñez", "Beltrán", "Núñez", "Valdés",
		"Zamora", "Aranda", "Ledezma", "Toro", "Urbina", "Linares", "Figueredo", "Aguilar", "Sotillo",
		"Bastidas", "Cedeño", "Marcano", "Villalba", "Echeverría", "Lozada", "Sifontes", "Gil"}
	places = []string{"El Carmen", "La Victoria", "Los Guayos", "Las Mercedes", "El Tigre", "La Vega",
		"El Palmar", "La Laguna", "Los Cerritos", "El Rosario", "La Sabana", "El Cardón", "Las Acacias",
		"El Samán", "La Quebrada", "Los Naranjos", "El Paraíso", "La Cumbre", "El Progreso", "Las Flores",
		"El Socorro", "La Colina", "Los Mangos", "El Pilar", "La Mesa", "El Valle", "La Loma", "Río Chico",
		"Puerto Nuevo", "Cerro Azul", "Valle Hondo", "Playa Grande", "Llano Alto", "Boca de Río",
		"Sabana de Piedra", "Mesa de Guanipa", "Punta de Mata", "Altagracia", "Caño Amarillo"}
	placeSuffixes = []string{" del Norte", " del Sur", " de Arriba", " de Abajo", " de la Costa",
		" de la Sierra", " del Llano"}
	syllables = []string{"ma", "ra", "cai", "bo", "gua", "ri", "co", "chi", "qui", "re", "tu", "cu",
		"ya", "pa", "na", "ta", "ca", "mo", "ro", "li", "te", "que", "bu", "la", "mi", "yu", "ni", "to",
		"ji", "zu", "ja", "che", "hua", "tí", "pé"}
	endings = []string{"bo", "re", "ma", "cua", "ure", "are", "ima", "oa", "ay", "al", "ón", "án",
		"ín", "ú", "ito", "ana", "ero", "ey", "ía"}
	centerKinds = []string{"Escuela Básica", "Unidad Educativa", "Liceo", "Grupo Escolar",
		"Escuela Estadal", "Colegio", "Centro Comunal", "Casa de la Cultura", "Escuela Nacional",
		"Preescolar", "Complejo Deportivo", "Escuela Técnica"}
)

// The name builders append to b, so that a name costs one allocation: the
// string it finally becomes.

func pick(r *rand.Rand, words []string) string { return words[r.IntN(len(words))] }

func personName(r *rand.Rand, b []byte) []byte {
	given := givenMale
	if r.IntN(4) == 0 {
		given = givenFemale
	}
	b = append(b, pick(r, given)...)
	b = append(b, ' ')
	return append(b, pick(r, surnames)...)
}

func saintName(r *rand.Rand, b []byte) []byte {
	if r.IntN(3) == 0 {
		return append(append(b, "Santa "...), pick(r, givenFemale)...)
	}
	return append(append(b, "San "...), pick(r, givenMale)...)
}

func placeName(r *rand.Rand, b []byte) []byte {
	b = append(b, pick(r, places)...)
	if r.IntN(4) == 0 {
		b = append(b, pick(r, placeSuffixes)...)
	}
	return b
}

// coinedName appends an invented word of two or three syllables, like the
// many place names of indigenous origin.
func coinedName(r *rand.Rand, b []byte) []byte {
	start := len(b)
	for range 1 + r.IntN(2) {
		b = append(b, pick(r, syllables)...)
	}
	b = append(b, pick(r, endings)...)
	// Capitalise: every syllable starts with an ASCII letter.
	b[start] -= 'a' - 'A'
	return b
}

// areaName appends a name for an area of the given kind. Roughly one
// municipality in twenty and one center in fifty has a '/' in its name, as
// real ones do ("MP. L/DIEGO BAUTISTA"), which exercises path escaping.
func areaName(r *rand.Rand, kind string, b []byte) []byte {
	x := r.IntN(100)
	switch kind {
	case "state":
		switch {
		case x < 40:
			return coinedName(r, b)
		case x < 65:
			return append(b, pick(r, surnames)...)
		case x < 85:
			return placeName(r, b)
		default:
			return coinedName(r, append(b, "Nueva "...))
		}
	case "district":
		switch {
		case x < 50:
			return coinedName(r, b)
		case x < 80:
			return append(b, pick(r, surnames)...)
		default:
			return saintName(r, b)
		}
	case "municipality":
		switch {
		case x < 30:
			return personName(r, b)
		case x < 50:
			return append(b, pick(r, surnames)...)
		case x < 70:
			return coinedName(r, b)
		case x < 85:
			return saintName(r, b)
		case x < 95:
			return placeName(r, b)
		default:
			b = append(append(b, pick(r, surnames)...), '/')
			return append(b, pick(r, surnames)...)
		}
	case "parish":
		switch {
		case x < 35:
			return saintName(r, b)
		case x < 60:
			return placeName(r, b)
		case x < 75:
			return personName(r, b)
		case x < 90:
			return coinedName(r, b)
		default:
			return append(append(b, "Capital "...), pick(r, surnames)...)
		}
	}
	b = append(append(b, pick(r, centerKinds)...), ' ')
	switch {
	case x < 45:
		b = personName(r, b)
	case x < 65:
		b = saintName(r, b)
	case x < 80:
		b = placeName(r, b)
	case x < 90:
		b = coinedName(r, b)
	default:
		b = strconv.AppendInt(append(b, "N° "...), int64(1+r.IntN(150)), 10)
	}
	if r.IntN(50) == 0 {
		b = append(b, "/Anexo"...)
	}
	return b
}

// siblings hands out names that are unique among the children of one area:
// two children with one name would be one area, since a path is an area's
// identity.
type siblings struct {
	seen map[string]struct{}
	buf  []byte
}

func (s *siblings) reset() {
	if s.seen == nil {
		s.seen = make(map[string]struct{})
	}
	clear(s.seen)
}

func (s *siblings) name(r *rand.Rand, kind string) string {
	for range 6 {
		s.buf = areaName(r, kind, s.buf[:0])
		if _, dup := s.seen[string(s.buf)]; !dup {
			name := string(s.buf)
			s.seen[name] = struct{}{}
			return name
		}
	}
	// Crowded parents: number the name, as real registers do ("Escuela Estadal N° 2").
	base := string(s.buf)
	for i := 2; ; i++ {
		n := base + " " + strconv.Itoa(i)
		if _, dup := s.seen[n]; !dup {
			s.seen[n] = struct{}{}
			return n
		}
	}
}

// candidateNames are the simulated candidates, in ballot order.
var candidateNames = [MaxChoices]string{"Isabel Quintero", "Ramón Ledezma", "Tomás Ibáñez",
	"Lucía Zamora", "Andrés Peña", "Mónica Aranda", "Joaquín Toro", "Clara Núñez",
	"Sebastián Urbina", "Teresa Guzmán", "Martín Salas", "Inés Carrillo"}
