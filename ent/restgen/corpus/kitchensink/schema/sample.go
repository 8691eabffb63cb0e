package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"github.com/google/uuid"
)

// Sample has a field of every scalar kind.
type Sample struct{ ent.Schema }

// Fields of the Sample.
func (Sample) Fields() []ent.Field {
	return []ent.Field{
		field.String("label").Comment("What it is called."),
		field.Text("notes").Optional().Immutable(),
		field.Int("i").Optional(),
		field.Int8("i8").Optional(),
		field.Int16("i16").Default(16),
		field.Int32("i32").Optional().Nillable(),
		field.Int64("i64").Default(64),
		field.Uint("u").Optional(),
		field.Uint8("u8").Optional(),
		field.Uint16("u16").Optional(),
		field.Uint32("u32").Optional().Nillable(),
		field.Uint64("u64").Optional(),
		field.Float32("f32").Optional(),
		field.Float("f64").Default(1.5),
		field.Bool("on").Default(true),
		field.Bytes("blob").Optional(),
		field.UUID("token", uuid.UUID{}).Default(uuid.New),
		field.Time("seen_at").Optional().Nillable(),
		field.Time("due").Default(func() time.Time { return time.Now().Add(time.Hour) }),
		field.Enum("size").Values("s", "m", "l").Optional().Nillable(),
		field.Strings("words").Optional(),
		field.Ints("numbers").Optional(),
		field.String("code").Unique().Optional().Nillable(),
	}
}
