// ProgramState to and from checkpoint bytes (see bytes.h).
#pragma once

#include "domain/state.h"
#include "projections/bytes.h"

namespace gaplog {

void write_state(ByteWriter& w, const ProgramState& s);
Status read_state(ByteReader& r, ProgramState& s);

}  // namespace gaplog
