// What dmc prints: JSON for machines, lines for people.
#pragma once

#include <string>
#include <vector>

#include "containerizer/containerizer.hpp"

namespace dmc::cli {

std::string info_json(const containerizer::ContainerInfo& info);
// "<handle>\n", or "<handle>\t<state>\n" for one that needs attention.
std::string list_line(const containerizer::ContainerInfo& info);
std::string list_json(const std::vector<containerizer::ContainerInfo>& infos);
std::string limits_json(const containerizer::Limits& limits);
std::string metrics_json(const containerizer::Metrics& metrics);
std::string properties_json(const containerizer::Properties& properties);

}  // namespace dmc::cli
