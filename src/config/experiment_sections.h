#pragma once
// The sections of an experiment file, each read into `e` with every problem added to the
// reader: experiment.cc reads the file as a whole and calls these in order. Models and the
// embedding model are in experiment_models.cc, backends in experiment_backends.cc, defaults,
// tasks and skip rules in experiment_tasks.cc.

#include <yaml-cpp/yaml.h>

#include "config/experiment.h"
#include "config/experiment_reader.h"

namespace qualm {

void read_defaults(const YAML::Node& node, ExperimentReader& r, RunDefaults& d);
void read_models(const YAML::Node& node, ExperimentReader& r, const ExperimentPaths& paths, Experiment& e);
void read_backends(const YAML::Node& node, ExperimentReader& r, Experiment& e);
void read_tasks(const YAML::Node& node, ExperimentReader& r, Experiment& e);
// After read_backends: a served embedding model names one of e.backends.
void read_embedding_model(const YAML::Node& node, ExperimentReader& r, const ExperimentPaths& paths, Experiment& e);
// After read_models and read_backends: the rules must name models, variants and backends of e.
void read_skip(const YAML::Node& node, ExperimentReader& r, Experiment& e);

}  // namespace qualm
