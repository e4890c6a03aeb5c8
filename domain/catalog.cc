#include "domain/catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "domain/validation.h"

namespace gaplog {
namespace {

constexpr Category kSec = Category::kSecurity;
constexpr Category kAvail = Category::kAvailability;
constexpr Category kConf = Category::kConfidentiality;
constexpr Category kProc = Category::kProcessingIntegrity;
constexpr Category kPriv = Category::kPrivacy;

// Titles summarise the subject of each criterion in our own words; they are not the AICPA text.
constexpr std::array<Criterion, 61> kCatalog = {{
    // Security (common criteria): control environment.
    {"CC1.1", kSec, "Leadership commitment to integrity and ethical conduct"},
    {"CC1.2", kSec, "Board independence and oversight of internal control"},
    {"CC1.3", kSec, "Organizational structure, reporting lines and authority"},
    {"CC1.4", kSec, "Hiring, developing and retaining competent staff"},
    {"CC1.5", kSec, "Holding people accountable for their control duties"},
    // Communication and information.
    {"CC2.1", kSec, "Quality information that supports internal control"},
    {"CC2.2", kSec, "Internal communication of control objectives and duties"},
    {"CC2.3", kSec, "Communication with external parties"},
    // Risk assessment.
    {"CC3.1", kSec, "Objectives clear enough to identify and assess risks"},
    {"CC3.2", kSec, "Identifying and analysing risks to objectives"},
    {"CC3.3", kSec, "Considering the potential for fraud"},
    {"CC3.4", kSec, "Assessing changes that could affect internal control"},
    // Monitoring activities.
    {"CC4.1", kSec, "Ongoing and separate evaluations of controls"},
    {"CC4.2", kSec, "Reporting and correcting control deficiencies"},
    // Control activities.
    {"CC5.1", kSec, "Control activities chosen to reduce risks"},
    {"CC5.2", kSec, "General controls over technology"},
    {"CC5.3", kSec, "Policies and the procedures that put them into practice"},
    // Logical and physical access.
    {"CC6.1", kSec, "Logical access security over protected information assets"},
    {"CC6.2", kSec, "Registering, authorising and removing system users"},
    {"CC6.3", kSec, "Role-based access changes, least privilege and separation of duties"},
    {"CC6.4", kSec, "Physical access to facilities and protected assets"},
    {"CC6.5", kSec, "Secure retirement and disposal of assets holding data"},
    {"CC6.6", kSec, "Defences against threats from outside the system boundary"},
    {"CC6.7", kSec, "Protecting data while transmitted, moved or removed"},
    {"CC6.8", kSec, "Preventing and detecting unauthorised or malicious software"},
    // System operations.
    {"CC7.1", kSec, "Detecting configuration changes and new vulnerabilities"},
    {"CC7.2", kSec, "Monitoring components for anomalies and security events"},
    {"CC7.3", kSec, "Evaluating security events to decide whether they are incidents"},
    {"CC7.4", kSec, "Responding to security incidents"},
    {"CC7.5", kSec, "Recovering from security incidents"},
    // Change management.
    {"CC8.1", kSec, "Managing changes to infrastructure, data and software"},
    // Risk mitigation.
    {"CC9.1", kSec, "Mitigating the risk of business disruption"},
    {"CC9.2", kSec, "Managing risks from vendors and business partners"},

    {"A1.1", kAvail, "Capacity planning and monitoring"},
    {"A1.2", kAvail, "Environmental protection, backups and recovery infrastructure"},
    {"A1.3", kAvail, "Testing recovery plans"},

    {"C1.1", kConf, "Identifying and protecting confidential information"},
    {"C1.2", kConf, "Disposing of confidential information"},

    {"PI1.1", kProc, "Defining processing objectives and data specifications"},
    {"PI1.2", kProc, "Complete and accurate system inputs"},
    {"PI1.3", kProc, "Processing that follows its specifications"},
    {"PI1.4", kProc, "Complete, accurate and timely outputs"},
    {"PI1.5", kProc, "Storing inputs, in-process items and outputs"},

    {"P1.1", kPriv, "Privacy notice to data subjects"},
    {"P2.1", kPriv, "Choice and consent about personal information"},
    {"P3.1", kPriv, "Collecting personal information only for stated purposes"},
    {"P3.2", kPriv, "Explicit consent where collection requires it"},
    {"P4.1", kPriv, "Using personal information only for stated purposes"},
    {"P4.2", kPriv, "Retaining personal information"},
    {"P4.3", kPriv, "Securely disposing of personal information"},
    {"P5.1", kPriv, "Data subjects' access to their personal information"},
    {"P5.2", kPriv, "Correcting and amending personal information"},
    {"P6.1", kPriv, "Disclosing personal information to third parties with consent"},
    {"P6.2", kPriv, "Recording authorised disclosures"},
    {"P6.3", kPriv, "Recording unauthorised disclosures"},
    {"P6.4", kPriv, "Privacy commitments obtained from third parties"},
    {"P6.5", kPriv, "Third parties reporting unauthorised disclosures"},
    {"P6.6", kPriv, "Notifying affected people of breaches"},
    {"P6.7", kPriv, "Accounting to data subjects for data held and disclosed"},
    {"P7.1", kPriv, "Accuracy and completeness of personal information"},
    {"P8.1", kPriv, "Handling privacy inquiries, complaints and disputes"},
}};

bool equals_ignoring_ascii_case(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

// A catalog id that differs from `id` only by case, to suggest in an error; nullptr if none.
const Criterion* find_criterion_ignoring_case(std::string_view id) {
  const auto it = std::ranges::find_if(
      kCatalog, [id](const Criterion& c) { return equals_ignoring_ascii_case(c.id, id); });
  return it == kCatalog.end() ? nullptr : &*it;
}

Status unknown_criterion(std::string_view id) {
  if (const Criterion* near = find_criterion_ignoring_case(id)) {
    return rule_violation(
        fmt::format("criteria: unknown criterion {}; ids are case-sensitive, did you mean '{}'? "
                    "(see GET /api/v1/criteria)",
                    quoted_excerpt(id), near->id));
  }
  return rule_violation(
      fmt::format("criteria: unknown criterion {}; use a TSC 2017 id such as CC6.1 or A1.2 "
                  "(see GET /api/v1/criteria for the 61 valid ids)",
                  quoted_excerpt(id)));
}

}  // namespace

std::span<const Criterion> tsc_catalog() { return kCatalog; }

const Criterion* find_criterion(std::string_view id) {
  const auto it = std::ranges::find(kCatalog, id, &Criterion::id);
  return it == kCatalog.end() ? nullptr : &*it;
}

Status check_criteria(const std::vector<std::string>& ids, bool required) {
  if (ids.empty()) {
    if (!required) return Status::ok();
    return invalid_argument(
        "criteria is empty; list at least one criterion id, e.g. [\"CC6.1\"] "
        "(see GET /api/v1/criteria)");
  }
  // Every id must be one of the 61, so at most 62 ids are examined before an error: the
  // quadratic duplicate check stays cheap even on a hostile list, and reports the first repeat
  // in the user's order.
  for (size_t i = 0; i < ids.size(); ++i) {
    if (find_criterion(ids[i]) == nullptr) return unknown_criterion(ids[i]);
    for (size_t j = 0; j < i; ++j) {
      if (ids[j] == ids[i]) {
        return invalid_argument(fmt::format(
            "criteria lists {} more than once; list each criterion once", quoted_excerpt(ids[i])));
      }
    }
  }
  return Status::ok();
}

}  // namespace gaplog
