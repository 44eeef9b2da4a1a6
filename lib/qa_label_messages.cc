/* -*- c++ -*- */
/*
 * Copyright 2026 gr-robustamc authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <gnuradio/block.h>
#include <gnuradio/io_signature.h>
#include <gnuradio/robustamc/label_messages.h>
#include <boost/test/unit_test.hpp>
#include <stdexcept>
#include <vector>

namespace gr {
namespace robustamc {

static std::vector<pmt::pmt_t> two_classes()
{
    std::vector<pmt::pmt_t> base;
    for (long i = 0; i < 2; i++) {
        pmt::pmt_t d = pmt::make_dict();
        d = pmt::dict_add(d, pmt::intern("index"), pmt::from_long(i));
        base.push_back(d);
    }
    return base;
}

BOOST_AUTO_TEST_CASE(t_label_messages_fields)
{
    auto msgs = make_label_messages(
        two_classes(), { 1, 0 }, { 5, 1ULL << 40 }, { 1, 3 }, { 0.75, 0.5 },
        { 0.25f, 0.75f, 0.5f, 0.5f }, 2);
    BOOST_REQUIRE_EQUAL(msgs.size(), 2u);
    auto ref = [](const pmt::pmt_t& d, const char* k) {
        return pmt::dict_ref(d, pmt::intern(k), pmt::PMT_NIL);
    };
    BOOST_CHECK_EQUAL(pmt::to_long(ref(msgs[0], "index")), 1);
    BOOST_CHECK_EQUAL(pmt::to_uint64(ref(msgs[0], "offset")), 5u);
    BOOST_CHECK_EQUAL(pmt::to_uint64(ref(msgs[1], "offset")), 1ULL << 40);
    BOOST_CHECK_EQUAL(pmt::to_long(ref(msgs[1], "windows")), 3);
    BOOST_CHECK_CLOSE(pmt::to_double(ref(msgs[0], "confidence")), 0.75, 1e-6);
    auto p = pmt::f32vector_elements(ref(msgs[0], "probabilities"));
    BOOST_REQUIRE_EQUAL(p.size(), 2u);
    BOOST_CHECK_EQUAL(p[0], 0.25f);
    BOOST_CHECK_EQUAL(p[1], 0.75f);
    BOOST_CHECK_EQUAL(pmt::length(pmt::dict_keys(msgs[1])), 5u);
}

BOOST_AUTO_TEST_CASE(t_label_messages_bad_input)
{
    BOOST_CHECK_THROW(make_label_messages(two_classes(), { 2 }, { 0 }, { 1 }, { 1.0 },
                                          { 0.0f, 1.0f }, 2),
                      std::invalid_argument);
    BOOST_CHECK_THROW(make_label_messages(two_classes(), { 0 }, { 0 }, { 1 }, { 1.0 },
                                          { 1.0 }, 2),
                      std::invalid_argument);
    BOOST_CHECK(make_label_messages(two_classes(), {}, {}, {}, {}, {}, 2).empty());
    auto with_offset = two_classes();
    with_offset[1] = pmt::dict_add(with_offset[1], pmt::intern("offset"), pmt::from_long(0));
    BOOST_CHECK_THROW(make_label_messages(with_offset, {}, {}, {}, {}, {}, 2),
                      std::invalid_argument);
}

namespace {
struct port_block : gr::block {
    port_block()
        : gr::block("port_block", gr::io_signature::make(0, 0, 0), gr::io_signature::make(0, 0, 0))
    {
        message_port_register_out(pmt::intern("labels"));
    }
};
} // namespace

BOOST_AUTO_TEST_CASE(t_publish_messages)
{
    auto blk = std::make_shared<port_block>();
    auto msgs = make_label_messages(
        two_classes(), { 1, 0 }, { 5, 6 }, { 1, 1 }, { 0.75, 0.5 }, { 0.25f, 0.75f, 0.5f, 0.5f }, 2);
    BOOST_CHECK_EQUAL(publish_messages(blk, pmt::intern("labels"), msgs), 2u);
    BOOST_CHECK_EQUAL(publish_messages(blk, pmt::intern("labels"), {}), 0u);
    BOOST_CHECK_THROW(publish_messages(blk, pmt::intern("no_such_port"), msgs), std::exception);
    BOOST_CHECK_THROW(publish_messages(nullptr, pmt::intern("labels"), msgs),
                      std::invalid_argument);
}

} // namespace robustamc
} // namespace gr
