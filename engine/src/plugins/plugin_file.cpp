#include "plugins/plugin_file.hpp"

#include <elf.h>
#include <link.h>  // ElfW: this machine's ELF class

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <vector>

#include <boost/dll/library_info.hpp>

#include "plugins/plugin_library.hpp"
#include "sluice/plugin.hpp"

namespace sluice::plugins {
namespace {

namespace fs = std::filesystem;

using Ehdr = ElfW(Ehdr);
using Shdr = ElfW(Shdr);

#if defined(__x86_64__)
constexpr unsigned kNativeMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr unsigned kNativeMachine = EM_AARCH64;
#elif defined(__i386__)
constexpr unsigned kNativeMachine = EM_386;
#elif defined(__riscv)
constexpr unsigned kNativeMachine = EM_RISCV;
#else
#define SLUICE_NO_MACHINE_CHECK 1  // unknown here: dlopen still refuses a foreign machine
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
constexpr unsigned char kNativeData = ELFDATA2LSB;
#else
constexpr unsigned char kNativeData = ELFDATA2MSB;
#endif

// A real record is a few hundred bytes; the section names a few kilobytes. Anything larger is not
// ours, and is refused before it is read into memory.
constexpr std::uint64_t kMaxNoteSection = 4096;
constexpr std::uint64_t kMaxSectionNames = 1 << 20;

const char* machine_name(unsigned machine) {
  switch (machine) {
    case EM_X86_64:
      return "x86-64";
    case EM_AARCH64:
      return "AArch64";
    case EM_386:
      return "x86";
    case EM_ARM:
      return "ARM";
    case EM_RISCV:
      return "RISC-V";
    case EM_PPC64:
      return "PowerPC64";
    case EM_S390:
      return "s390";
    default:
      return "another machine";
  }
}

[[noreturn]] void refuse(const fs::path& file, const std::string& why) {
  throw PluginLoadError(file.string() + ": " + why);
}

[[noreturn]] void malformed(const fs::path& file, const std::string& what) {
  refuse(file, "its ABI record is malformed (" + what +
                   "); rebuild the plugin, declaring it with SLUICE_PLUGIN from <sluice/plugin.hpp>");
}

constexpr const char* kNotAPlugin = "only Sluice plugin libraries belong in a plugin folder";

// Reads ranges of the file, each checked against its size first.
class FileReader {
 public:
  explicit FileReader(const fs::path& file) : file_(file), in_(file, std::ios::binary) {
    if (!in_) refuse(file, std::string("cannot be read: ") + std::strerror(errno));
    std::error_code ec;
    size_ = fs::file_size(file, ec);
    if (ec) refuse(file, "cannot be read: " + ec.message());
  }

  std::uint64_t size() const { return size_; }
  bool contains(std::uint64_t offset, std::uint64_t length) const {
    return offset <= size_ && length <= size_ - offset;
  }
  // Reads [offset, offset + length); the caller has checked contains().
  void read(std::uint64_t offset, void* out, std::uint64_t length) {
    in_.seekg(static_cast<std::streamoff>(offset));
    in_.read(static_cast<char*>(out), static_cast<std::streamsize>(length));
    if (!in_ || static_cast<std::uint64_t>(in_.gcount()) != length) {
      refuse(file_, "cannot be read (it changed while being checked?)");
    }
  }

 private:
  const fs::path& file_;
  std::ifstream in_;
  std::uint64_t size_ = 0;
};

Ehdr read_elf_header(const fs::path& file, FileReader& reader) {
  unsigned char magic[SELFMAG] = {};
  if (reader.contains(0, SELFMAG)) reader.read(0, magic, SELFMAG);
  if (std::memcmp(magic, ELFMAG, SELFMAG) != 0) {
    refuse(file, std::string("not a shared library (it does not start with an ELF header); ") + kNotAPlugin);
  }
  if (!reader.contains(0, sizeof(Ehdr))) refuse(file, "truncated: its ELF header is cut short");
  Ehdr header;
  reader.read(0, &header, sizeof header);
  if (header.e_ident[EI_CLASS] != (sizeof(void*) == 8 ? ELFCLASS64 : ELFCLASS32)) {
    refuse(file, std::string("built for ") + (header.e_ident[EI_CLASS] == ELFCLASS32 ? "32" : "64") +
                     "-bit machines, but this engine is " + std::to_string(sizeof(void*) * 8) +
                     "-bit; build the plugin for this machine");
  }
  if (header.e_ident[EI_DATA] != kNativeData) {
    refuse(file, "built for machines of the other byte order; build the plugin for this machine");
  }
#ifndef SLUICE_NO_MACHINE_CHECK
  if (header.e_machine != kNativeMachine) {
    refuse(file, std::string("built for ") + machine_name(header.e_machine) + " (ELF machine " +
                     std::to_string(header.e_machine) + "), but this engine runs on " + machine_name(kNativeMachine) +
                     "; build the plugin for this machine");
  }
#endif
  if (header.e_type != ET_DYN) {
    refuse(file, "not a shared library (an ELF " + std::string(header.e_type == ET_EXEC ? "executable" : "file") +
                     " of type " + std::to_string(header.e_type) + "); " + kNotAPlugin);
  }
  return header;
}

// The section headers, each section checked to lie inside the file. Boost.DLL's library_info reads
// sections by these offsets without checking them: it runs only after this.
std::vector<Shdr> read_section_headers(const fs::path& file, FileReader& reader, const Ehdr& header) {
  if (header.e_shnum == 0 || header.e_shentsize != sizeof(Shdr) || header.e_shstrndx >= header.e_shnum) {
    refuse(file, "not a usable shared library (its ELF section header table is missing or malformed); " +
                     std::string(kNotAPlugin));
  }
  const std::uint64_t table_size = std::uint64_t{header.e_shnum} * sizeof(Shdr);
  if (!reader.contains(header.e_shoff, table_size)) {
    refuse(file, "truncated: its ELF section headers lie past the end of the file (" + std::to_string(reader.size()) +
                     " bytes)");
  }
  std::vector<Shdr> sections(header.e_shnum);
  reader.read(header.e_shoff, sections.data(), table_size);
  for (std::size_t i = 0; i < sections.size(); ++i) {
    if (sections[i].sh_type != SHT_NOBITS && !reader.contains(sections[i].sh_offset, sections[i].sh_size)) {
      refuse(file, "truncated: its ELF section " + std::to_string(i) + " lies past the end of the file (" +
                       std::to_string(reader.size()) + " bytes)");
    }
  }
  // Boost.DLL reads the name table whatever its type, and symbol tables in whole entries.
  const Shdr& names = sections[header.e_shstrndx];
  if (names.sh_type != SHT_STRTAB || names.sh_size == 0 || names.sh_size > kMaxSectionNames) {
    refuse(file, "not a usable shared library (its ELF section name table is malformed); " + std::string(kNotAPlugin));
  }
  for (const Shdr& s : sections) {
    if ((s.sh_type == SHT_SYMTAB || s.sh_type == SHT_DYNSYM) && s.sh_size % sizeof(ElfW(Sym)) != 0) {
      refuse(file, "not a usable shared library (an ELF symbol table of " + std::to_string(s.sh_size) +
                       " bytes is not whole entries); " + std::string(kNotAPlugin));
    }
  }
  return sections;
}

// The one section called `name`, found through the section name table.
std::optional<Shdr> find_section(FileReader& reader, const Ehdr& header, const std::vector<Shdr>& sections,
                                 std::string_view name) {
  const Shdr& names = sections[header.e_shstrndx];  // checked by read_section_headers
  std::vector<char> text(names.sh_size);
  reader.read(names.sh_offset, text.data(), text.size());
  for (const Shdr& s : sections) {
    if (s.sh_name >= text.size()) continue;
    const char* begin = text.data() + s.sh_name;
    const auto* end = static_cast<const char*>(std::memchr(begin, '\0', text.size() - s.sh_name));
    if (end != nullptr && std::string_view(begin, end - begin) == name) return s;
  }
  return std::nullopt;
}

std::uint32_t u32_at(const std::vector<unsigned char>& bytes, std::size_t offset) {
  std::uint32_t v;
  std::memcpy(&v, bytes.data() + offset, sizeof v);
  return v;
}

std::uint64_t padded4(std::uint64_t n) { return (n + 3) & ~std::uint64_t{3}; }

std::string field(const fs::path& file, const char* begin, std::size_t size, const char* what) {
  const void* nul = std::memchr(begin, '\0', size);
  if (nul == nullptr) malformed(file, std::string("its ") + what + " is not NUL-terminated within its field");
  return std::string(begin, static_cast<const char*>(nul));
}

// One entry of an ELF note section.
struct Note {
  std::uint32_t type;
  const unsigned char* name;  // namesz bytes, its NUL included
  std::uint32_t namesz;
  const unsigned char* desc;
  std::uint32_t descsz;
};

// Walks the entries of a note section (standard layout: namesz, descsz, type, then the name and
// the descriptor, each padded to 4 bytes), calling visit(note) on each until it returns false.
// Returns why the section is malformed, or "" when it is not: the entries before a malformed one
// were visited. The Sluice record and the GNU build ID are both read through here.
template <class Visit>
std::string for_each_note(const std::vector<unsigned char>& bytes, Visit visit) {
  constexpr std::size_t kHeader = 3 * sizeof(std::uint32_t);
  std::uint64_t at = 0;
  while (at < bytes.size()) {
    if (bytes.size() - at < kHeader) return "a note header is cut short";
    const std::uint32_t namesz = u32_at(bytes, at);
    const std::uint32_t descsz = u32_at(bytes, at + 4);
    const std::uint64_t name_at = at + kHeader;
    const std::uint64_t desc_at = name_at + padded4(namesz);
    if (desc_at > bytes.size() || descsz > bytes.size() - desc_at) {
      return "a note claims " + std::to_string(descsz) + " bytes of data but the section ends first";
    }
    if (!visit(Note{u32_at(bytes, at + 8), bytes.data() + name_at, namesz, bytes.data() + desc_at, descsz})) return "";
    at = std::min<std::uint64_t>(desc_at + padded4(descsz), bytes.size());
  }
  return "";
}

bool named(const Note& note, const char* name, std::size_t size_with_nul) {
  return note.namesz == size_with_nul && std::memcmp(note.name, name, size_with_nul) == 0;
}

// The one Sluice record of the section; any malformed note refuses the library.
AbiRecord parse_record(const fs::path& file, const std::vector<unsigned char>& bytes) {
  std::optional<AbiRecord> found;
  const std::string bad = for_each_note(bytes, [&](const Note& note) {
    if (note.type != SLUICE_ABI_NOTE_TYPE || !named(note, SLUICE_ABI_NOTE_NAME, sizeof(SLUICE_ABI_NOTE_NAME))) {
      return true;
    }
    if (found) malformed(file, "two Sluice records in one library");
    if (note.descsz < sizeof(std::uint32_t)) malformed(file, "the record has no ABI version");
    AbiRecord record;
    std::memcpy(&record.abi_version, note.desc, sizeof record.abi_version);
    if (record.abi_version == SLUICE_ABI_VERSION) {
      if (note.descsz != sizeof(sluice_abi_descriptor)) {
        malformed(file, "the record is " + std::to_string(note.descsz) + " bytes, but plugin ABI " +
                            std::to_string(SLUICE_ABI_VERSION) + " records are " +
                            std::to_string(sizeof(sluice_abi_descriptor)));
      }
      sluice_abi_descriptor desc;
      std::memcpy(&desc, note.desc, sizeof desc);
      record.toolchain = field(file, desc.toolchain, sizeof desc.toolchain, "toolchain tag");
      record.library = field(file, desc.library, sizeof desc.library, "library name");
      record.description = field(file, desc.description, sizeof desc.description, "description");
    }
    found = std::move(record);
    return true;
  });
  if (!bad.empty()) malformed(file, bad);
  if (!found) malformed(file, "its " SLUICE_ABI_NOTE_SECTION " section holds no Sluice note");
  return *found;
}

// The GNU build ID, from the note the linker writes (name "GNU", type NT_GNU_BUILD_ID). Only a
// label for people: a missing or malformed note gives "", never a refusal.
std::string read_build_id(FileReader& reader, const Ehdr& header, const std::vector<Shdr>& sections) {
  constexpr std::uint32_t kBuildIdType = 3;  // NT_GNU_BUILD_ID
  const std::optional<Shdr> note = find_section(reader, header, sections, ".note.gnu.build-id");
  if (!note || note->sh_type != SHT_NOTE || note->sh_size > kMaxNoteSection) return "";
  if (!reader.contains(note->sh_offset, note->sh_size)) return "";
  std::vector<unsigned char> bytes(note->sh_size);
  reader.read(note->sh_offset, bytes.data(), bytes.size());
  std::string hex;
  const std::string bad = for_each_note(bytes, [&](const Note& n) {
    if (n.type != kBuildIdType || !named(n, "GNU", 4)) return true;
    static constexpr char kHex[] = "0123456789abcdef";
    for (std::uint32_t i = 0; i < n.descsz; ++i) {
      hex += kHex[n.desc[i] >> 4];
      hex += kHex[n.desc[i] & 0xf];
    }
    return false;
  });
  return bad.empty() ? hex : "";
}

}  // namespace

PluginFileFacts inspect_plugin_file(const fs::path& file) {
  FileReader reader(file);
  const Ehdr header = read_elf_header(file, reader);
  const std::vector<Shdr> sections = read_section_headers(file, reader, header);

  // Boost.DLL reads the section and symbol tables from the file; it maps nothing.
  std::vector<std::string> section_names;
  std::vector<std::string> symbols;
  try {
    boost::dll::library_info info(file, /*throw_if_not_native=*/true);
    section_names = info.sections();
    symbols = info.symbols();
  } catch (const std::exception& e) {
    refuse(file, std::string("not a shared library (") + e.what() + "); " + kNotAPlugin);
  }
  if (std::find(section_names.begin(), section_names.end(), SLUICE_ABI_NOTE_SECTION) == section_names.end()) {
    refuse(file, "not a Sluice plugin of this engine: it has no ABI record (no " SLUICE_ABI_NOTE_SECTION
                 " section). Declare the library with SLUICE_PLUGIN from <sluice/plugin.hpp>; a plugin built "
                 "for an engine older than plugin ABI 4 must be rebuilt");
  }

  const std::optional<Shdr> note = find_section(reader, header, sections, SLUICE_ABI_NOTE_SECTION);
  if (!note) malformed(file, "its " SLUICE_ABI_NOTE_SECTION " section cannot be found by name");
  if (note->sh_type != SHT_NOTE) malformed(file, SLUICE_ABI_NOTE_SECTION " is not an ELF note section");
  if (note->sh_size > kMaxNoteSection) {
    malformed(file, SLUICE_ABI_NOTE_SECTION " is " + std::to_string(note->sh_size) + " bytes, more than any record");
  }
  std::vector<unsigned char> bytes(note->sh_size);
  reader.read(note->sh_offset, bytes.data(), bytes.size());

  PluginFileFacts facts;
  facts.record = parse_record(file, bytes);
  facts.exports_manifest = std::find(symbols.begin(), symbols.end(), SLUICE_PLUGIN_MANIFEST_SYMBOL) != symbols.end();
  facts.build_id = read_build_id(reader, header, sections);
  return facts;
}

}  // namespace sluice::plugins
