// What dmc prints: JSON for machines, lines for people.
#pragma once

#include <string>
#include <vector>

#include "containerizer/containerizer.hpp"

namespace dmc::cli {

std::string info_json(const containerizer::ContainerInfo& info);
std::string list_json(const std::vector<containerizer::ContainerInfo>& infos);

}  // namespace dmc::cli
